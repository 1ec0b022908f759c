"""Use case: keep each concern's status history from the events other services publish."""

from __future__ import annotations

from typing import Any

from frontdoor_shared.contracts import (
    CaseListedV1,
    ConcernTriagedV1,
    NotificationSentV1,
    NotificationSentV2,
    PanelDecisionV2,
)
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.errors import PermanentError
from frontdoor_shared.uow import UnitOfWork
from intake.adapters import audit
from intake.adapters.repository import ConcernRepository
from intake.domain.model import Status, StatusChange, advances
from intake.service_layer import partner_feed

_TRIAGE_STATUS = {
    "routed": Status.ROUTED,
    "panel": Status.TRIAGED,
    "more-information-needed": Status.MORE_INFORMATION_NEEDED,
    "safeguarding": Status.SAFEGUARDING,
}


def status_change(event: CloudEvent, data: Any) -> StatusChange:
    """Translate another service's event into a line of the concern's history."""
    at = event.time
    if isinstance(data, ConcernTriagedV1):
        detail = {"outcome": data.outcome, "pathway": data.pathway, "priority": data.priority,
                  "reasons": [r.model_dump() for r in data.reasons], "missing": data.missing,
                  "policy_version": data.policy_version, **_clock(data)}
        return StatusChange(_TRIAGE_STATUS[data.outcome], at or data.triaged_at, detail, event.type)
    if isinstance(data, CaseListedV1):
        detail = {"panel_date": data.panel_date.isoformat() if data.panel_date else None}
        return StatusChange(Status.LISTED_FOR_PANEL, at or data.listed_at, detail, event.type)
    if isinstance(data, PanelDecisionV2):
        detail = {"outcome": data.outcome, "pathway": data.pathway, "recommended_pathway": data.recommended_pathway,
                  "priority": data.priority, "reasons": [r.model_dump() for r in data.reasons],
                  "next_review": data.next_review.isoformat() if data.next_review else None, **_clock(data)}
        return StatusChange(Status.PANEL_DECIDED, at or data.decided_at, detail, event.type)
    if isinstance(data, NotificationSentV1):
        return _told(data, data.about_event_type, event.type, at)
    raise TypeError(f"no status for {type(data).__name__}")


def _clock(data: ConcernTriagedV1 | PanelDecisionV2) -> dict[str, str]:
    """On the statutory pathway, the last day to decide whether to assess (the referrer's history and
    the council's report show it); nothing for other pathways or events from before it travelled."""
    due = data.statutory_decision_due
    return {"statutory_decision_due": due.isoformat()} if due else {}


def _told(message: Any, about: str, event_type: str, at: Any = None) -> StatusChange:
    """A message's line: who was told, how, from which template, and about what."""
    status = Status.FAMILY_NOTIFIED if message.audience == "family" else f"{message.audience}-notified"
    detail = {"channel": message.channel, "template": message.template, "delivery": message.status, "about": about}
    return StatusChange(status, at or message.sent_at, detail, event_type)


def status_changes(event: CloudEvent, data: Any) -> list[StatusChange]:
    """The lines of a concern's history an event gives: one, or one per message it reports."""
    if isinstance(data, NotificationSentV2):  # each message at its own time, not the event's
        return [_told(m, data.about_event_type, event.type) for m in data.messages]
    return [status_change(event, data)]


def is_message(data: Any) -> bool:
    """A message sent is history, not a status: it never moves the concern's present status."""
    return isinstance(data, NotificationSentV1 | NotificationSentV2)


class UnknownConcern(PermanentError):
    """A status event names a concern intake never accepted (dead-lettered, not retried)."""


STATUS_EVENTS = (ConcernTriagedV1, CaseListedV1, PanelDecisionV2, NotificationSentV1, NotificationSentV2)


async def record_status(uow: UnitOfWork, event: CloudEvent, data: Any, topic: str) -> None:
    """One status event: the reference for `record_statuses`, and how an isolated event is handled."""
    async with uow:
        if not await uow.first_time(event, topic):
            return
        repo = ConcernRepository(uow.conn)
        found = await repo.status_since(data.concern_id)
        if found is None:
            raise UnknownConcern(f"data.concern_id: no concern with this id was accepted by intake ({topic})")
        present, since = found
        if present == Status.ERASED:  # a late event about an erased concern: its history stays blank
            await uow.commit()
            return
        moves = []
        for change in status_changes(event, data):
            # a message is history, not a status; and the status never moves backwards (but the
            # council deciding again after a team declined starts over: `advances`)
            journey = not is_message(data) and advances(present, change.status, since=since, at=change.at)
            await repo.add_status(data.concern_id, change, event.id, current=journey)
            await audit.record(uow.conn, audit.SYSTEM, f"status:{change.status}", data.reference,
                               concern_id=data.concern_id, why=f"event {event.type}", channel="event")
            if journey:
                moves.append((data.concern_id, change))
        await partner_feed.tell_partners(uow, moves)
        await uow.commit()


async def record_statuses(uow: UnitOfWork, items: list[tuple[CloudEvent, Any, str]]) -> None:
    """A batch of status events as sets: the effect of `record_status` on each, in order, in two
    statements (the concerns' present statuses, locked; then every history line, status move and
    audit line at once) instead of three per event."""
    async with uow:
        fresh = [(event, data, topic) for event, data, topic in items if await uow.first_time(event, topic)]
        repo = ConcernRepository(uow.conn)
        found = await repo.statuses_of({data.concern_id for _, data, _ in fresh})
        present = {concern_id: (status, since) for concern_id, (status, _, since) in found.items()}
        lines: list[tuple[Any, StatusChange, str, bool]] = []
        for event, data, topic in fresh:
            if data.concern_id not in present:
                raise UnknownConcern(f"data.concern_id: no concern with this id was accepted by intake ({topic})")
            now, since = present[data.concern_id]
            if now == Status.ERASED:
                continue
            for change in status_changes(event, data):
                journey = not is_message(data) and advances(now, change.status, since=since, at=change.at)
                if journey:
                    now, since = change.status, change.at
                    present[data.concern_id] = (now, since)
                lines.append((data, change, event.id, journey))
        await repo.add_statuses([(d.concern_id, c, e, j) for d, c, e, j in lines],
                                audit=[(audit.SYSTEM, f"status:{c.status}", d.reference, d.concern_id,
                                        f"event {c.event_type}", "event") for d, c, _, _ in lines])
        for data, change, _, journey in lines:
            partner = found[data.concern_id][1]
            if journey and partner is not None:
                partner_feed.tell(uow, partner_feed.Partnered(*partner), change)
        await uow.commit()
