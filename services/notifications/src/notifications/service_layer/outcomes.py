"""What happens to a message after a send attempt or a provider's receipt: sent, delivered,
retried later, or failed (then sent again by the family's next channel, and staff are told)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import structlog

from frontdoor_shared.contracts import NotificationSentV2, SentMessage
from frontdoor_shared.contracts.notification_sent_v2 import MAX_MESSAGES
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.uow import UnitOfWork
from notifications.adapters.channels.base import ChannelResult
from notifications.adapters.repository import MessageRepository
from notifications.domain.delivery import DELIVERED, FAILED, PENDING, SENT, callback_outcome, gives_up, retry_delay
from notifications.domain.messages import FAMILY, STAFF, Planned, delivery_failed_plan, fallback_key, staff_alert_key
from notifications.domain.routes import carer_contacts, next_kind
from notifications.service_layer import recording
from notifications.service_layer.context import Context

log = structlog.get_logger()
KIND_NAMES = {"email": "email", "sms": "text message", "letter": "letter"}
AUDIENCE_NAMES = {FAMILY: "family", "referrer": "professional who raised the concern", STAFF: "council staff"}


def _announce(uow: UnitOfWork, ctx: Context, row: Any, status: str, at: datetime) -> None:
    _announce_many(uow, ctx, [(row, status)], at)


def _announce_many(uow: UnitOfWork, ctx: Context, rows: list[tuple[Any, str]], at: datetime) -> None:
    """One event for the messages about each event of a concern (`NotificationSentV2`), in the
    order they were handled: the family's and the referrer's messages about one step go out in one
    round, and one event costs every hop (outbox, relay, broker, intake's inbox) whatever it holds."""
    about: dict[tuple[Any, str], list[tuple[Any, str]]] = {}
    for row, status in rows:
        about.setdefault((row.concern_id, row.about_event_id), []).append((row, status))
    dev = ctx.provider == "dev-mailbox"  # nothing left the machine: say so rather than the channel
    for told in about.values():
        first = told[0][0]
        cause = CloudEvent(specversion="1.0", id=first.about_event_id, source="urn:frontdoor:notifications",
                           type=first.about_event_type, correlationid=first.correlation_id or first.about_event_id)
        for start in range(0, len(told), MAX_MESSAGES):
            uow.emit(NotificationSentV2(
                concern_id=first.concern_id, reference=first.reference, about_event_type=first.about_event_type,
                messages=[SentMessage(message_id=row.id, audience=row.audience, template=row.template,
                                      channel="dev-mailbox" if dev else row.channel, status=status, sent_at=at)
                          for row, status in told[start:start + MAX_MESSAGES]]),
                subject=first.reference, key=str(first.concern_id), cause=cause)


async def record_sent(uow: UnitOfWork, ctx: Context, row: Any, result: ChannelResult) -> None:
    await record_sent_many(uow, ctx, [(row, result)])


async def record_sent_many(uow: UnitOfWork, ctx: Context, sent: list[tuple[Any, ChannelResult]]) -> None:
    """`record_sent` for many messages: one statement for those still pending, as is the rule."""
    if not sent:
        return
    repo, now = MessageRepository(uow.conn, ctx.keyring), ctx.clock()
    changed = await repo.mark_sent_many([(row.id, result.status, result.provider_id) for row, result in sent],
                                        provider=ctx.provider, at=now)
    for row, result in sent:
        if row.id not in changed:  # a receipt overtook us: keep its status, remember the provider's id
            await repo.update_if(row.id, (SENT, DELIVERED, FAILED), provider_id=result.provider_id, sent_at=now)
    _announce_many(uow, ctx, [(row, result.status) for row, result in sent if row.id in changed], now)


async def record_temporary(uow: UnitOfWork, ctx: Context, row: Any, reason: str) -> None:
    if gives_up(row.attempts, ctx.settings.max_attempts):
        await fail(uow, ctx, row, f"{reason}; gave up after {row.attempts} attempts")
        return
    s, now = ctx.settings, ctx.clock()
    await MessageRepository(uow.conn).update_if(
        row.id, (PENDING, SENT), status=PENDING, status_at=now, last_error=reason,
        next_attempt_at=now + retry_delay(row.attempts, s.retry_base_seconds, s.retry_max_seconds))
    log.warning("message.retry_later", message_id=str(row.id), attempts=row.attempts, reason=reason)


async def tell_each(uow: UnitOfWork, ctx: Context, rows: list[Any], plans: list[Planned],
                    values: Callable[[Any, dict[str, Any]], dict[str, Any]]) -> None:
    """Record what a background check found to say about each of `rows` (a journey step with its
    sealed recipients; each family message to every carer, `values(row, people)` rendered): a
    message no one can be reached by fails at once, so its next channel is tried and staff hear."""
    repo = MessageRepository(uow.conn, ctx.keyring)
    for row in rows:
        people = ctx.people(row.sealed)
        about = recording.About(row.concern_id, row.reference, row.event_id, row.event_type, row.correlation_id)
        for planned in recording.every_carer(plans, people, ctx):
            message_id, reachable = await recording.record(repo, ctx, about, planned, values(row, people), people)
            if message_id is not None and not reachable:
                await fail(uow, ctx, await repo.get(message_id), "no contact this service can use")


async def fail(uow: UnitOfWork, ctx: Context, row: Any, reason: str) -> None:
    """Failed for good: say so, try the family's next channel, and tell a human."""
    repo, now = MessageRepository(uow.conn, ctx.keyring), ctx.clock()
    if not await repo.update_if(row.id, (PENDING, SENT), status=FAILED, status_at=now, next_attempt_at=None,
                                last_error=reason):
        return
    _announce(uow, ctx, row, FAILED, now)
    log.warning("message.failed", message_id=str(row.id), audience=row.audience, reason=reason)
    if row.audience == STAFF:
        log.error("message.staff_unreachable", message_id=str(row.id), template=row.template)
        return
    fallback = await _fall_back(repo, ctx, row)
    await _alert_staff(repo, ctx, row, reason, fallback)


async def _fall_back(repo: MessageRepository, ctx: Context, row: Any) -> str | None:
    sealed = await repo.sealed_recipients(row.concern_id) if row.audience == FAMILY else None
    if sealed is None:
        return None
    people = ctx.people(sealed)
    index = recording.carer_of_message(row.dedupe_key)  # the same carer, by their next channel
    kind = next_kind(recording.family_order(people, ctx, index), row.channel)
    if kind is None:
        return None
    to = carer_contacts(people["family"]["carers"][index])[kind]
    planned = Planned(row.audience, row.template, f"carer-{index}")
    await recording.insert(repo, ctx, recording.About.row(row), planned, kind=kind, to=to, subject=row.subject,
                           body=row.body, key=fallback_key(row.dedupe_key, kind), fallback_of=row.id)
    return kind


async def _alert_staff(repo: MessageRepository, ctx: Context, row: Any, reason: str, fallback: str | None) -> None:
    planned = delivery_failed_plan()
    failed = {"kind_name": KIND_NAMES.get(row.channel, row.channel), "template": row.template, "reason": reason,
              "audience_name": AUDIENCE_NAMES.get(row.audience, row.audience), "fallback": fallback,
              "fallback_name": KIND_NAMES.get(fallback or "", fallback)}
    subject, body = ctx.renderer.render(planned.template, **{**recording.defaults(ctx, row.reference),
                                                             "failed": failed})
    await recording.insert(repo, ctx, recording.About.row(row), planned, kind="email", to=ctx.settings.staff_email,
                           subject=subject, body=body, key=staff_alert_key(str(row.id)))


def _as_uuid(text: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


async def apply_receipt(uow: UnitOfWork, ctx: Context, reference: str | None, status: str,
                        provider_id: str | None) -> bool:
    """A provider's delivery receipt, found by our reference (or its id); False when not ours."""
    repo = MessageRepository(uow.conn, ctx.keyring)
    message_id = _as_uuid(reference) or (await repo.by_provider_id(provider_id) if provider_id else None)
    row = await repo.get(message_id, lock=True) if message_id else None
    if row is None:
        return False
    outcome, now = callback_outcome(status), ctx.clock()
    if outcome == "delivered" and await repo.update_if(
            row.id, (PENDING, SENT), status=DELIVERED, status_at=now, next_attempt_at=None,
            provider_id=provider_id or row.provider_id):
        _announce(uow, ctx, row, DELIVERED, now)
    elif outcome == "permanent":
        await fail(uow, ctx, row, f"GOV.UK Notify reported {status}")
    elif outcome == "temporary" and row.status == SENT:
        await record_temporary(uow, ctx, row, f"GOV.UK Notify reported {status}")
    return True
