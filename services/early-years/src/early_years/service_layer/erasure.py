"""Use case: a concern was erased at intake; the panel forgets its case.

The case, its agenda places, the panel's decisions and actions are deleted, the concern's data key
is destroyed (so the chair's notes, wherever a copy of them went, cannot be opened), and a tombstone
makes a late or replayed event about it do nothing.
"""

from __future__ import annotations

from early_years.adapters import orm
from early_years.adapters.cases import CaseRepository
from frontdoor_shared import erasure
from frontdoor_shared.at_rest import destroy_data_key
from frontdoor_shared.contracts import ConcernErasedV1
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.uow import UnitOfWork


async def erase_concern(uow: UnitOfWork, event: CloudEvent, data: ConcernErasedV1, topic: str) -> None:
    async with uow:
        if not await uow.first_time(event, topic):
            return
        await erasure.remember(uow.conn, orm.erased, data.concern_id, data.reason, data.erased_at)
        await CaseRepository(uow.conn).erase(data.concern_id)
        await destroy_data_key(uow.conn, orm.data_key, data.concern_id)
        await uow.commit()
