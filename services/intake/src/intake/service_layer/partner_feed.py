"""Use case: a partner system hears back, on its own topic, about each concern it sent.

Whatever door a partner used (an event on `partner.concerns.v1`, the API or FHIR with its token),
intake tells it on `partner.<client id>.status.v1` (`PartnerConcernStatusV1`): accepted with the
council's reference, or refused with each field and why; then each move of the concern's status,
with the same detail as the status API's history line. Written to intake's outbox in the
transaction that made the change, so a partner hears of every move exactly as it happened, once
per event (its consumer dedupes a relay's redelivery by the CloudEvents id). Messages to the family
are not moves and are not sent; nor is anything for a partner whose events the council turned off
(`frontdoor accounts partner-status-events --off`).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, get_args

from sqlalchemy.ext.asyncio import AsyncConnection

from frontdoor_shared import topics
from frontdoor_shared.contracts import PartnerConcernStatusV1, Problem
from frontdoor_shared.contracts.partner_concern_status_v1 import PartnerStatus
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.uow import UnitOfWork
from intake.adapters.repository import ConcernRepository
from intake.domain.model import Status, StatusChange

TOLD: frozenset[str] = frozenset(get_args(PartnerStatus)) - {"refused"}  # the moves a partner hears of


@dataclass(frozen=True)
class Partnered:
    """A concern a partner system sent, whose partner hears back."""

    client_id: str
    reference: str
    idempotency_key: str | None


async def listening(conn: AsyncConnection, client_ids: Collection[str]) -> set[str]:
    """Which of these are partner systems that hear back (status events on)."""
    return await ConcernRepository(conn).partners_listening(client_ids)


async def partnered(conn: AsyncConnection, concern_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Partnered]:
    """The concerns among these that a listening partner sent, with the key it sent each under."""
    found = await ConcernRepository(conn).sent_by_listening_partners(concern_ids)
    return {concern_id: Partnered(*sent) for concern_id, sent in found.items()}


def _detail(change: StatusChange) -> dict[str, Any]:
    if change.status == Status.SUBMITTED:  # another concern's id means nothing to the partner
        return {"linked_to_open_concern": bool(change.detail.get("linked"))}
    return dict(change.detail)


def tell(uow: UnitOfWork, who: Partnered, change: StatusChange, *, cause: CloudEvent | None = None) -> None:
    """Queue the partner's event for one move of its concern (nothing for a line that is not a move)."""
    if change.status not in TOLD:
        return
    uow.emit(PartnerConcernStatusV1(reference=who.reference, idempotency_key=who.idempotency_key,
                                    status=change.status, at=change.at, detail=_detail(change)),
             subject=who.reference, key=who.idempotency_key or who.reference,
             topic=topics.partner_status(who.client_id), cause=cause)


async def tell_partners(uow: UnitOfWork, changes: Sequence[tuple[uuid.UUID, StatusChange]]) -> None:
    """Each move in `changes` (concern id, line) to the partner that sent the concern, if one did:
    one lookup for them all, none when no line is a move."""
    moved = {concern_id for concern_id, change in changes if change.status in TOLD}
    if not moved:
        return
    found = await partnered(uow.conn, moved)
    for concern_id, change in changes:
        who = found.get(concern_id)
        if who is not None:
            tell(uow, who, change)


def refusal_id(event_id: str) -> str:
    """The inbox's id for "this partner was told its event was refused" (never the event's own)."""
    return f"refused:{event_id}"


def refuse(uow: UnitOfWork, client_id: str, event: CloudEvent, problems: Iterable[tuple[str, str]],
           at: datetime) -> None:
    """Tell a partner its concern event was refused, by field and why (never the value it sent)."""
    uow.emit(PartnerConcernStatusV1(idempotency_key=event.id[:200], status="refused", at=at,
                                    problems=[Problem(field=f[:300], reason=r[:1000]) for f, r in problems][:100]),
             subject=event.id[:200], key=event.id[:200], topic=topics.partner_status(client_id), cause=event)
