"""Intake's composition root: settings in, a wired service out. Nothing connects at import."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from frontdoor_shared.at_rest import Keyring, rewrap
from frontdoor_shared.auth import AuthSettings, Principal, Tokens
from frontdoor_shared.contracts import (
    AccessRevokedV1,
    CaseListedV1,
    ConcernErasedV1,
    ConcernSubmittedV1,
    ConcernTriagedV1,
    ConcernUpdatedV1,
    ConcernWithdrawnV1,
    NotificationSentV1,
    NotificationSentV2,
    PanelDecisionV2,
    PartnerConcernStatusV1,
    PartnerConcernV1,
    PartnerConcernWithdrawnV1,
    PartnerInformationAddedV1,
    ReferralProgressedV1,
)
from frontdoor_shared.delivery import publisher_doc, subscribe
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.errors import PermanentError
from frontdoor_shared.errors_classify import is_transient
from frontdoor_shared.group_commit import GroupCommit
from frontdoor_shared.runtime import Runtime
from frontdoor_shared.sealed import development_keypair
from frontdoor_shared.uow import current_batch
from intake.adapters import orm, partner_signing
from intake.adapters.partner_keys import load_key
from intake.config import IntakeSettings
from intake.service_layer import erasure, partner, partner_feed, partner_follow_up, progress, watchdog
from intake.service_layer.revise import Revised, add_information
from intake.service_layer.schemas import ConcernDetail
from intake.service_layer.status import STATUS_EVENTS, record_status, record_statuses
from intake.service_layer.submit import (
    Accepted,
    IdempotencyConflict,
    IdempotencyRace,
    InvalidConcern,
    Submission,
    submit,
    submit_many,
)
from intake.service_layer.withdraw import withdraw

SERVICE = "intake"
PARTNER_EVENTS = (PartnerConcernV1, PartnerInformationAddedV1, PartnerConcernWithdrawnV1)
GROUP_MAX = 100  # submissions written together at most (one statement's arrays)
log = structlog.get_logger()


def partner_signing_of(settings: IntakeSettings) -> partner_signing.PartnerSigning:
    """The partners' registered signing keys; without a file, the demo partner's outside production."""
    production = settings.environment == "production"
    unsigned = settings.unsigned_partner_events or ("refuse" if production else "accept")
    if settings.partner_signing_keys_file is not None:
        return partner_signing.load_partner_keys(settings.partner_signing_keys_file, unsigned)
    if production:
        return partner_signing.PartnerSigning(keys={}, unsigned=unsigned)
    return partner_signing.PartnerSigning(keys=partner_signing.development().keys, unsigned=unsigned)


class Intake:
    def __init__(self, settings: IntakeSettings) -> None:
        if settings.environment == "production" and settings.notifications_public_key is None:
            raise ValueError("INTAKE_NOTIFICATIONS_PUBLIC_KEY must be set in production")
        if settings.environment == "production" and settings.partner_private_jwk is None:
            raise ValueError("INTAKE_PARTNER_PRIVATE_JWK must be set in production")
        if settings.environment == "production" and "development" in settings.match_key.get_secret_value():
            raise ValueError("INTAKE_MATCH_KEY must be set to a secret of its own in production")
        self.settings = settings
        self.keyring = keyring_of(settings)
        self.notifications_key = settings.notifications_public_key or development_keypair()[1]
        self.runtime = Runtime(settings, service=SERVICE, schema="intake")
        self.revocations = self.runtime.keep_revocations()
        self.tokens = Tokens(AuthSettings(), self.revocations.memory)
        self.watchdog = watchdog.WatchdogCounters()
        self.auth_production = settings.environment == "production"
        self._group: GroupCommit[Submission, Accepted] = GroupCommit(self._submit_group, max_size=GROUP_MAX)
        self.partner_key = load_key(settings.partner_private_jwk.get_secret_value()
                                    if settings.partner_private_jwk else None)
        self.partner_signing = partner_signing_of(settings)
        subscribe(self.runtime.broker, [PartnerConcernV1, PartnerInformationAddedV1, PartnerConcernWithdrawnV1,
                                        ConcernTriagedV1, CaseListedV1, PanelDecisionV2,
                                        NotificationSentV1, NotificationSentV2, AccessRevokedV1],
                  self._on_event, group_id=SERVICE,
                  batch_handlers={**dict.fromkeys(STATUS_EVENTS, self._on_statuses),
                                  **dict.fromkeys(PARTNER_EVENTS, self._on_partner_events)})
        publisher_doc(self.runtime.broker, ConcernSubmittedV1)
        publisher_doc(self.runtime.broker, ConcernErasedV1)
        publisher_doc(self.runtime.broker, ConcernUpdatedV1)
        publisher_doc(self.runtime.broker, ConcernWithdrawnV1)
        publisher_doc(self.runtime.broker, ReferralProgressedV1)
        publisher_doc(self.runtime.broker, PartnerConcernStatusV1)  # partner.{client_id}.status.v1

    async def _on_event(self, event: CloudEvent, data: object, topic: str) -> None:
        if isinstance(data, PARTNER_EVENTS):
            try:
                if isinstance(data, PartnerConcernV1):
                    await partner.accept(event, data, self.partner_key, self.partner_signing, self.submit)
                else:
                    await self._follow_up(event, data, topic)
            except PermanentError as err:  # dead-lettered, and the partner told why
                await self._tell_refused(event, topic, err)
                raise
        elif isinstance(data, AccessRevokedV1):  # ours: another intake's, or the admin CLI's
            await self.revocations.remember(self.runtime.uow(), event, data, topic)
        else:
            await record_status(self.runtime.uow(), event, data, topic)

    async def _tell_refused(self, event: CloudEvent, topic: str, err: PermanentError) -> None:
        """A registered partner that hears back is told its event (a concern, or a follow-up of one)
        was refused, once: the inbox keeps that it was told, under an id of its own, so a dead letter
        replayed and refused again tells it nothing new, and one replayed once the cause is mended
        (a signing key registered) still takes effect (a follow-up's own inbox row stays free)."""
        client_id = partner.partner_of(event.source)
        told = event.model_copy(update={"id": partner_feed.refusal_id(event.id)})
        async with self.runtime.uow() as uow:
            if not await partner_feed.listening(uow.conn, [client_id]) or not await uow.first_time(told, topic):
                return
            partner_feed.refuse(uow, client_id, event, partner.problems_of(err), datetime.now(UTC))
            await uow.commit()

    async def _follow_up(self, event: CloudEvent, data: partner_follow_up.FollowUpEvent, topic: str) -> None:
        follow = partner_follow_up.follow_up_of(event, data, self.partner_key, self.partner_signing)
        await partner_follow_up.apply(self.runtime.uow(), event, topic, follow, self.keyring)

    async def _on_partner_events(self, items: list[tuple[CloudEvent, Any, str]]) -> None:
        """A batch's partner events in the order sent: each run of new concerns submitted as one
        group, a follow-up after the concerns sent before it (so a concern and its withdrawal in
        one batch are taken in that order)."""
        run: list[tuple[CloudEvent, Any, str]] = []
        for event, data, topic in items:
            if isinstance(data, PartnerConcernV1):
                run.append((event, data, topic))
                continue
            if run:
                await self._on_partner_concerns(run)
                run = []
            await self._follow_up(event, data, topic)
        if run:
            await self._on_partner_concerns(run)

    async def _on_statuses(self, items: list[tuple[CloudEvent, Any, str]]) -> None:
        await record_statuses(self.runtime.uow(), items)

    async def _on_partner_concerns(self, items: list[tuple[CloudEvent, Any, str]]) -> None:
        await partner.accept_many([(event, data) for event, data, _ in items], self.partner_key, self.partner_signing,
                                  self._submit_many)

    async def watch(self, stop: asyncio.Event) -> None:
        """Sweep for concerns whose next step is overdue until `stop` is set."""
        s = self.settings
        while not stop.is_set():
            try:
                await watchdog.sweep(self.runtime.engine, self.runtime.tables, datetime.now(UTC),
                                     overdue_after=timedelta(minutes=s.triage_overdue_minutes),
                                     raise_after=s.watchdog_raise_after, counters=self.watchdog)
                if s.retention_days is not None:
                    await erasure.sweep_retention(self.runtime.uow(), self.runtime.tables, datetime.now(UTC),
                                                  keep_for=timedelta(days=s.retention_days))
            except Exception as err:
                self.watchdog.failed_sweeps += 1
                log.log(logging.WARNING if is_transient(err) else logging.ERROR, "watchdog.sweep_failed",
                        error=type(err).__name__, exc_info=not is_transient(err))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=s.watchdog_interval_seconds)

    async def submit(self, sub: Submission) -> Accepted:
        """Submit a concern through any door. Outside a consumed batch, submissions that arrive while
        others are being written wait and are written together (group commit: one transaction,
        two statements, one fsync for the group); each caller still hears only after the commit
        that holds its concern, and one submission's refusal is its own."""
        if current_batch.get() is not None:
            return await self._submit_alone(sub)
        return await self._group(sub)

    async def _submit_group(self, subs: list[Submission]) -> list[Accepted | BaseException]:
        if len(subs) > 1:
            try:
                return list(await self._submit_many(subs))
            except Exception as err:  # noqa: BLE001 - a race or a failure: each again alone, so one cannot fail another
                log.info("submit.group_retried_alone", size=len(subs), error=type(err).__name__)
        outcomes: list[Accepted | BaseException] = []
        for sub in subs:
            try:
                outcomes.append(await self._submit_alone(sub))
            except Exception as err:  # noqa: BLE001 - handed to that submission's caller
                outcomes.append(err)
        return outcomes

    async def _submit_many(self, subs: list[Submission]) -> list[Accepted | InvalidConcern | IdempotencyConflict]:
        async with self.runtime.uow() as uow:
            return await submit_many(
                uow, subs, match_secret=self.settings.match_key.get_secret_value().encode(),
                keyring=self.keyring, notifications_key=self.notifications_key)

    async def _submit_alone(self, sub: Submission) -> Accepted:
        for attempt in (1, 2):
            try:
                async with self.runtime.uow() as uow:
                    return await submit(
                        uow, sub, match_secret=self.settings.match_key.get_secret_value().encode(),
                        keyring=self.keyring, notifications_key=self.notifications_key)
            except IdempotencyRace:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def add_information(self, reference: str, about: ConcernDetail, who: Principal, channel: str) -> Revised:
        """The referrer's answer to triage's request for more information; triage decides again."""
        return await add_information(self.runtime.uow(), reference, about, actor=who, channel=channel,
                                     keyring=self.keyring)

    async def report_progress(self, reference: str, report: progress.ProgressIn, who: Principal,
                              channel: str = "api") -> progress.Progressed:
        """The team a concern was routed to says how the referral is going (or the council records it)."""
        return await progress.report_progress(self.runtime.uow(), reference, report, actor=who, channel=channel)

    async def withdraw(self, reference: str, reason: str, who: Principal, channel: str) -> None:
        """Whoever raised the concern withdraws it, before the council decided; everyone stops."""
        await withdraw(self.runtime.uow(), reference, reason, actor=who, channel=channel)

    async def erase(self, reference: str, who: Principal, why: str, channel: str) -> list[str]:
        """Erase the child's concerns here and, through `intake.concern-erased.v1`, everywhere."""
        return await erasure.erase_child(self.runtime.uow(), self.runtime.tables, reference, who=who, why=why,
                                         channel=channel, now=datetime.now(UTC))

    async def rotate_keys(self) -> int:
        """Re-wrap every concern's data key under the current key-encryption key."""
        return await rewrap(self.runtime.engine, orm.data_key, self.keyring)


def keyring_of(settings: IntakeSettings) -> Keyring:
    """The key-encryption keys from INTAKE_DATA_KEYS; the development key outside production only."""
    return Keyring.from_config(settings.data_keys.get_secret_value() if settings.data_keys else None,
                               settings.data_key_id, service=SERVICE, production=settings.environment == "production",
                               setting="INTAKE")
