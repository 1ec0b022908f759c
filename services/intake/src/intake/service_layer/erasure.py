"""Use cases: erase a child's record on an authorised request, and when its retention runs out.

Erasing a concern destroys its data key (crypto-shredding: its encrypted details, in the database
or in any copy of it, can no longer be opened), blanks its status history and match keys, drops
its events from the outbox, records the erasure in the append-only audit trail, and tells every
other service through `intake.concern-erased.v1` (ids, a time and a reason code only).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Literal

import sqlalchemy as sa
import structlog

from frontdoor_shared.auth import Principal
from frontdoor_shared.contracts import ConcernErasedV1
from frontdoor_shared.db import DeliveryTables
from frontdoor_shared.errors import FrontDoorError
from frontdoor_shared.uow import UnitOfWork
from intake.adapters import audit
from intake.adapters.repository import ConcernRepository
from intake.domain.model import FINISHED, Status, StatusChange
from intake.service_layer import partner_feed

log = structlog.get_logger()
Reason = Literal["erasure-request", "retention-expired"]
REQUEST: Reason = "erasure-request"
RETENTION: Reason = "retention-expired"


class UnknownReference(FrontDoorError):
    """No concern has this reference."""


async def erase_child(uow: UnitOfWork, tables: DeliveryTables, reference: str, *, who: Principal, why: str,
                      channel: str, now: datetime) -> list[str]:
    """Erase the concern and every concern about the same child; returns the references erased."""
    async with uow:
        repo = ConcernRepository(uow.conn)
        root = await repo.id_of(reference)
        if root is None:
            raise UnknownReference(reference)
        erased = [ref for cid in await repo.same_child(root)
                  if (ref := await _erase_one(uow, tables, cid, REQUEST, who, why, channel, now)) is not None]
        await uow.commit()
    log.info("concern.erased", reference=reference, concerns=len(erased), reason=REQUEST)
    return erased


async def sweep_retention(uow: UnitOfWork, tables: DeliveryTables, now: datetime, *, keep_for: timedelta,
                          limit: int = 100) -> int:
    """Erase concerns finished longer ago than `keep_for`; returns how many (at most `limit`)."""
    async with uow:
        rows = await ConcernRepository(uow.conn).finished_before(now - keep_for, FINISHED, limit)
        for row in rows:
            await _erase_one(uow, tables, row.id, RETENTION, audit.SYSTEM,
                             f"retention period of {keep_for.days} days ended", "retention", now)
        await uow.commit()
    if rows:
        log.info("retention.erased", concerns=len(rows))
    return len(rows)


async def _erase_one(uow: UnitOfWork, tables: DeliveryTables, concern_id: uuid.UUID, reason: Reason,
                     who: Principal, why: str, channel: str, now: datetime) -> str | None:
    repo = ConcernRepository(uow.conn)
    status = await repo.status_of(concern_id)  # locks the concern
    reference = await repo.reference_of(concern_id)
    if status is None or status == Status.ERASED or reference is None:
        return None  # erased before: nothing left to do, nothing to announce again
    partner = (await partner_feed.partnered(uow.conn, [concern_id])).get(concern_id)  # before its keys go
    change = StatusChange(Status.ERASED, now, {"reason": reason})
    await repo.erase(concern_id, change)
    if partner is not None:  # so the partner's system can forget what it kept of the concern too
        partner_feed.tell(uow, partner, change)
    # the outbox holds the concern's past events (contact details sealed for notifications): gone too
    await uow.conn.execute(sa.delete(tables.outbox).where(tables.outbox.c.key == str(concern_id)))
    await audit.record(uow.conn, who, "erase", reference, concern_id=concern_id, why=f"{reason}: {why}",
                       channel=channel)
    uow.emit(ConcernErasedV1(concern_id=concern_id, reference=reference, erased_at=now, reason=reason),
             subject=reference, key=str(concern_id))
    return reference
