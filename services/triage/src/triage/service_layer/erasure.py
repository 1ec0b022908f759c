"""Use cases: a concern was erased at intake, and triage forgets it; or it was withdrawn, and triage stops.

Its result (with the facts kept for policy simulation) and its routing history are deleted, and a
tombstone makes a late or replayed event about it do nothing.
"""

from __future__ import annotations

from frontdoor_shared import erasure
from frontdoor_shared.contracts import ConcernErasedV1, ConcernWithdrawnV1
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.uow import UnitOfWork
from triage.adapters import orm
from triage.adapters.repository import TriageRepository

WITHDRAWN = "withdrawn"  # the tombstone's reason for a withdrawn concern


async def erase_concern(uow: UnitOfWork, event: CloudEvent, data: ConcernErasedV1, topic: str) -> None:
    async with uow:
        if not await uow.first_time(event, topic):
            return
        await erasure.remember(uow.conn, orm.erased, data.concern_id, data.reason, data.erased_at)
        await TriageRepository(uow.conn).erase(data.concern_id)
        await uow.commit()


async def close_withdrawn(uow: UnitOfWork, event: CloudEvent, data: ConcernWithdrawnV1, topic: str) -> None:
    """A withdrawn concern: its result stays (the record of what triage decided), and the same
    tombstone as an erasure's, with the reason `withdrawn`, makes any later event about it (its
    submission arriving late, an update) do nothing: it is never routed after it was withdrawn."""
    async with uow:
        if not await uow.first_time(event, topic):
            return
        await erasure.remember(uow.conn, orm.erased, data.concern_id, WITHDRAWN, data.withdrawn_at)
        await uow.commit()
