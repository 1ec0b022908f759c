"""Use cases: a concern was erased at intake, and the panel forgets its case; or it was withdrawn, and
the panel takes it off its agenda.

The case, its agenda places, the panel's decisions and actions are deleted, the concern's data key
is destroyed (so the chair's notes, wherever a copy of them went, cannot be opened), and a tombstone
makes a late or replayed event about it do nothing.
"""

from __future__ import annotations

from early_years.adapters import orm
from early_years.adapters.cases import CaseRepository
from frontdoor_shared import erasure
from frontdoor_shared.at_rest import destroy_data_key
from frontdoor_shared.contracts import ConcernErasedV1, ConcernWithdrawnV1
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.uow import UnitOfWork

WITHDRAWN = "withdrawn"  # the tombstone's reason, and the case's status, for a withdrawn concern


async def erase_concern(uow: UnitOfWork, event: CloudEvent, data: ConcernErasedV1, topic: str) -> None:
    async with uow:
        if not await uow.first_time(event, topic):
            return
        await erasure.remember(uow.conn, orm.erased, data.concern_id, data.reason, data.erased_at)
        await CaseRepository(uow.conn).erase(data.concern_id)
        await destroy_data_key(uow.conn, orm.data_key, data.concern_id)
        await uow.commit()


async def withdraw_case(uow: UnitOfWork, event: CloudEvent, data: ConcernWithdrawnV1, topic: str) -> None:
    """A withdrawn concern: a case not yet decided leaves every agenda and is marked withdrawn (the
    panel's page says so; no decision can be recorded for it); a decided one keeps its decision.
    The tombstone (reason `withdrawn`) keeps a late triage event from listing it again."""
    async with uow:
        if not await uow.first_time(event, topic):
            return
        await erasure.remember(uow.conn, orm.erased, data.concern_id, WITHDRAWN, data.withdrawn_at)
        await CaseRepository(uow.conn).withdraw(data.concern_id)
        await uow.commit()
