"""Early years' composition root: settings (and, in tests, a clock) in; a wired service out."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import structlog

from early_years.adapters import orm
from early_years.adapters.intake_evidence import IntakeEvidence
from early_years.adapters.notes import Notes
from early_years.config import EarlyYearsSettings
from early_years.service_layer.actions import raise_overdue
from early_years.service_layer.erasure import erase_concern, withdraw_case
from early_years.service_layer.listing import list_for_panel, list_many_for_panel
from early_years.service_layer.meetings import seed_panel
from early_years.service_layer.panel import Clock, PanelSetup, utc_now
from early_years.service_layer.team_answer import record_team_answer
from frontdoor_shared.at_rest import Keyring, rewrap
from frontdoor_shared.auth import AuthSettings, Tokens
from frontdoor_shared.contracts import (
    AccessRevokedV1,
    ActionAssignedV1,
    ActionOverdueV1,
    CaseListedV1,
    ConcernErasedV1,
    ConcernTriagedV1,
    ConcernWithdrawnV1,
    PanelDecisionV2,
    ReferralProgressedV1,
)
from frontdoor_shared.delivery import publisher_doc, subscribe
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.errors_classify import is_transient
from frontdoor_shared.runtime import Runtime
from frontdoor_shared.sealed import development_keypair

SERVICE = "early-years"
log = structlog.get_logger()


class EarlyYears:
    def __init__(self, settings: EarlyYearsSettings, *, clock: Clock = utc_now) -> None:
        self.settings = settings
        self.clock = clock
        self.panel = PanelSetup.from_settings(settings)
        if settings.environment == "production" and settings.notifications_public_key is None:
            raise ValueError("EARLY_YEARS_NOTIFICATIONS_PUBLIC_KEY must be set in production")
        self.keyring = keyring_of(settings)
        self.notes = Notes(self.keyring, settings.notifications_public_key or development_keypair()[1])
        self.runtime = Runtime(settings, service=SERVICE, schema="early_years")
        self.revocations = self.runtime.keep_revocations()
        self.tokens = Tokens(AuthSettings(), self.revocations.memory)
        self.evidence = IntakeEvidence(settings.intake_api_url)
        self._stop = asyncio.Event()
        self._overdue: asyncio.Task[None] | None = None
        subscribe(self.runtime.broker, [ConcernTriagedV1, ConcernErasedV1, ConcernWithdrawnV1, AccessRevokedV1,
                                        ReferralProgressedV1],
                  self._on_event,
                  group_id=SERVICE,
                  batch_handlers={ConcernTriagedV1: self._on_triaged})
        for contract in (CaseListedV1, PanelDecisionV2, ActionAssignedV1, ActionOverdueV1):
            publisher_doc(self.runtime.broker, contract)

    async def _on_triaged(self, items: list[tuple[CloudEvent, Any, str]]) -> None:
        await list_many_for_panel(self.runtime.uow(), items, self.panel, self.clock)

    async def _on_event(self, event: CloudEvent, data: Any, topic: str) -> None:
        if isinstance(data, ConcernErasedV1):
            await erase_concern(self.runtime.uow(), event, data, topic)
            return
        if isinstance(data, ConcernWithdrawnV1):
            await withdraw_case(self.runtime.uow(), event, data, topic)
            return
        if isinstance(data, AccessRevokedV1):
            await self.revocations.remember(self.runtime.uow(), event, data, topic)
            return
        if isinstance(data, ReferralProgressedV1):
            await record_team_answer(self.runtime.uow(), event, data, topic, self.panel, self.clock)
            return
        await list_for_panel(self.runtime.uow(), event, data, topic, self.panel, self.clock)

    async def start(self, *, consume: bool = True) -> None:
        """Consumers and relay (and the sessions ended), the panel and its next meeting (if
        seeding), the overdue check."""
        await self.runtime.start(consume=consume)
        if self.settings.seed_panel:
            members = [m.model_dump() for m in self.settings.members]
            await seed_panel(self.runtime.uow(), self.panel, members, self.clock())
        self._stop.clear()
        self._overdue = asyncio.create_task(self.watch_overdue(), name="overdue-actions")

    async def stop(self) -> None:
        self._stop.set()
        if self._overdue is not None:
            [outcome] = await asyncio.gather(self._overdue, return_exceptions=True)
            if isinstance(outcome, BaseException):  # already reported by /health; stop cleanly anyway
                log.error("actions.overdue_check_stopped", error=type(outcome).__name__)
        await self.evidence.close()
        await self.runtime.stop()

    async def rotate_keys(self) -> int:
        """Re-wrap every concern's data key under the current key-encryption key."""
        return await rewrap(self.runtime.engine, orm.data_key, self.keyring)

    def overdue_check_stopped(self) -> bool:
        return self._overdue is not None and self._overdue.done() and not self._stop.is_set()

    async def watch_overdue(self) -> None:
        """Every `overdue_interval_seconds`, raise actions that became overdue (once each)."""
        while not self._stop.is_set():
            try:
                await raise_overdue(self.runtime.uow(), self.panel, self.clock())
            except Exception as err:
                if not is_transient(err):
                    raise
                log.warning("actions.overdue_check_failed", error=type(err).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self.settings.overdue_interval_seconds)


def keyring_of(settings: EarlyYearsSettings) -> Keyring:
    """The key-encryption keys from EARLY_YEARS_DATA_KEYS; the development key outside production only."""
    return Keyring.from_config(settings.data_keys.get_secret_value() if settings.data_keys else None,
                               settings.data_key_id, service=SERVICE, production=settings.environment == "production",
                               setting="EARLY_YEARS")
