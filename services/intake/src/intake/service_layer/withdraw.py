"""Use case: whoever raised a concern withdraws it, before the council has decided.

The status becomes `withdrawn` (nothing moves it on), the history and the audit trail say why,
as a code of the council's list, and `intake.concern-withdrawn.v1` tells every service to stop: all
in one transaction. The referrer's own words are never asked for: the reason goes to the family.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from frontdoor_shared.auth import Principal
from frontdoor_shared.contracts import ConcernWithdrawnV1
from frontdoor_shared.contracts.concern_withdrawn_v1 import WITHDRAWAL_REASONS
from frontdoor_shared.uow import UnitOfWork
from intake.adapters import audit
from intake.adapters.repository import ConcernRepository
from intake.domain.model import WITHDRAWABLE, Status, StatusChange
from intake.service_layer import partner_feed
from intake.service_layer.revise import NoSuchConcern


class NotWithdrawable(ValueError):
    """The council has decided (or the concern is with safeguarding, withdrawn or erased)."""

    def __init__(self, status: str) -> None:
        super().__init__(f"the concern is {status}: only a concern the council has not yet decided on can be "
                         "withdrawn; contact the council's SEND team")
        self.status = status


class UnknownReason(ValueError):
    """Not a reason of the council's list."""


async def withdraw(uow: UnitOfWork, reference: str, reason: str, *, actor: Principal, channel: str,
                   clock: Callable[[], datetime] | None = None) -> uuid.UUID:
    """Withdraw the concern; raises `NoSuchConcern`, `UnknownReason` or `NotWithdrawable`."""
    if reason not in WITHDRAWAL_REASONS:
        raise UnknownReason(f"choose one of: {', '.join(WITHDRAWAL_REASONS)}")
    async with uow:
        concern_id = await withdraw_within(uow, reference, reason, actor=actor, channel=channel, clock=clock)
        await uow.commit()
    return concern_id


async def withdraw_within(uow: UnitOfWork, reference: str, reason: str, *, actor: Principal, channel: str,
                          clock: Callable[[], datetime] | None = None) -> uuid.UUID:
    """`withdraw` inside a unit of work the caller opened and commits (with its inbox row)."""
    if reason not in WITHDRAWAL_REASONS:
        raise UnknownReason(f"choose one of: {', '.join(WITHDRAWAL_REASONS)}")
    now = (clock or (lambda: datetime.now(UTC)))()
    repo = ConcernRepository(uow.conn)
    concern_id = await repo.id_of(reference)
    if concern_id is None:
        raise NoSuchConcern(reference)
    status = await repo.status_of(concern_id)  # locked: against the present status
    if status not in WITHDRAWABLE:
        raise NotWithdrawable(str(status))
    change = StatusChange(Status.WITHDRAWN, now, {"reason": reason}, ConcernWithdrawnV1.TYPE)
    await repo.add_status(concern_id, change)
    await partner_feed.tell_partners(uow, [(concern_id, change)])
    await audit.record(uow.conn, actor, "withdraw", reference, concern_id=concern_id, why=f"withdrawn: {reason}",
                       channel=channel)
    uow.emit(ConcernWithdrawnV1(concern_id=concern_id, reference=reference, withdrawn_at=now, reason=reason,
                                reason_text=WITHDRAWAL_REASONS[reason]),
             subject=reference, key=str(concern_id))
    return concern_id
