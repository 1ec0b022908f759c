"""Use case: a concern was erased at intake; delete everything this service holds about it.

Its data key goes first (crypto-shredding: any copy of its messages can no longer be opened),
then its messages, the sealed contact details, held events, the family journey and the family's
private status links. A tombstone makes later or replayed events about it do nothing.
"""

from __future__ import annotations

from frontdoor_shared import erasure
from frontdoor_shared.contracts import ConcernErasedV1
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.uow import UnitOfWork
from notifications.adapters import orm
from notifications.adapters.repository import MessageRepository


async def erase_concern(uow: UnitOfWork, event: CloudEvent, data: ConcernErasedV1, topic: str) -> None:
    async with uow:
        if not await uow.first_time(event, topic):
            return
        await erasure.remember(uow.conn, orm.erased, data.concern_id, data.reason, data.erased_at)
        await MessageRepository(uow.conn).erase(data.concern_id)
        await uow.commit()
