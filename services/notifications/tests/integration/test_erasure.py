"""Messages are encrypted at rest under the concern's data key; when intake erases a concern,
notifications deletes all it holds about it (data key first) and ignores any later event."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from frontdoor_shared.contracts import ConcernErasedV1
from notifications.adapters import orm
from notifications.testing import events, new_concern

pytestmark = pytest.mark.integration
TABLES = (orm.message, orm.recipient, orm.pending_notice, orm.journey, orm.status_link)


async def _rows(world: Any, table: sa.Table, concern_id: uuid.UUID) -> list[Any]:
    column = table.c.owner_id if table is orm.data_key else table.c.concern_id
    async with world.svc.runtime.engine.connect() as conn:
        return list((await conn.execute(sa.select(table).where(column == concern_id))).all())


async def test_messages_are_stored_encrypted_and_read_back_decrypted(world, wait) -> None:  # type: ignore[no-untyped-def]
    concern_id, reference = new_concern()
    await world.publish(events(concern_id, reference)["submitted"])

    async def recorded() -> bool:
        return any(r.audience == "family" for r in await world.messages(reference))

    await wait(recorded, "the family's first message recorded")
    stored = await _rows(world, orm.message, concern_id)
    for row in stored:
        for name in ("to_address", "subject", "body"):
            assert getattr(row, name).startswith("fd1.")
        assert "grace.testparent" not in row.to_address
        assert "Amara" not in row.body
    (family,) = [m for m in await world.messages(reference) if m.audience == "family"]
    assert family.to_address == "email:grace.testparent@example.com"
    assert "Amara" in family.body
    (key,) = await _rows(world, orm.data_key, concern_id)
    assert key.kek_id == "dev"


async def test_an_erased_concern_leaves_nothing_behind_and_later_events_do_nothing(world, wait) -> None:  # type: ignore[no-untyped-def]
    concern_id, reference = new_concern()
    story = events(concern_id, reference)
    for name in ("submitted", "triaged-panel"):
        await world.publish(story[name])

    async def told() -> bool:
        return len([r for r in await world.messages(reference) if r.audience == "family"]) == 2

    await wait(told, "the family told twice")
    assert await _rows(world, orm.status_link, concern_id)  # the family's private link exists
    erased = ConcernErasedV1(concern_id=concern_id, reference=reference, erased_at=datetime.now(UTC),
                             reason="erasure-request")
    event = await world.publish(erased)

    async def gone() -> bool:
        return not await _rows(world, orm.data_key, concern_id) and not await _rows(world, orm.message, concern_id)

    await wait(gone, "the data key and messages deleted")
    for table in TABLES:
        assert await _rows(world, table, concern_id) == [], table.name
    (tombstone,) = await _rows(world, orm.erased, concern_id)
    assert tombstone.reason == "erasure-request"

    late = await world.publish(story["listed"])  # late news about the erased concern
    await world.publish(erased, event)  # and a redelivery of the erasure itself
    inbox = world.svc.runtime.tables.inbox

    async def late_handled() -> bool:
        async with world.svc.runtime.engine.connect() as conn:
            return bool(await conn.scalar(sa.select(sa.func.count()).select_from(inbox)
                                          .where(inbox.c.event_id == late.id)))

    await wait(late_handled, "the late event handled")
    for table in (orm.message, orm.recipient, orm.journey, orm.data_key):
        assert await _rows(world, table, concern_id) == [], table.name
