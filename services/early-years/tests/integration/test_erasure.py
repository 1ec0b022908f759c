"""When intake erases a concern, the panel forgets its case (agenda place, decisions with their
the chair's notes and their data key, actions) and ignores any later event about it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from early_years.adapters import orm
from frontdoor_shared.contracts import ConcernErasedV1

pytestmark = pytest.mark.integration


async def _count(world: Any, table: sa.Table, column: str, value: Any) -> int:
    return len(await world.rows(sa.select(table).where(table.c[column] == value)))


async def test_an_erased_concern_s_case_decisions_and_actions_are_deleted(world, concern, wait) -> None:  # type: ignore[no-untyped-def]
    triaged = concern()
    (case,) = await world.listed(triaged)
    (item,) = await world.rows(sa.select(orm.agenda_item).where(orm.agenda_item.c.case_id == case.id))
    decision_id, now = uuid.uuid4(), datetime.now(UTC)
    async with world.svc.runtime.engine.begin() as conn:  # a decision with the chair's note, and an action
        note = await world.svc.notes.encrypt(conn, triaged.concern_id, "Erasemark: the family asked for outreach")
        await conn.execute(sa.insert(orm.decision).values(
            id=decision_id, case_id=case.id, meeting_id=item.meeting_id, outcome="overridden", pathway="outreach",
            priority="high", reason_codes=["family-views"], note=note, present=[],
            agencies_present=[], decided_by="panel-chair", decided_at=now))
        await conn.execute(sa.insert(orm.action).values(
            id=uuid.uuid4(), decision_id=decision_id, case_id=case.id, agency="health", owner_role="health visitor",
            due=date(2030, 1, 1), assigned_at=now))
    with pytest.raises(sa.exc.DBAPIError, match="never edited"):  # outside an erasure, still append-only
        async with world.svc.runtime.engine.begin() as conn:
            await conn.execute(sa.delete(orm.decision).where(orm.decision.c.id == decision_id))
    erased = ConcernErasedV1(concern_id=triaged.concern_id, reference=triaged.reference, erased_at=now,
                             reason="erasure-request")
    await world.publish(erased)  # type: ignore[arg-type]

    async def gone() -> bool:
        return await _count(world, orm.panel_case, "concern_id", triaged.concern_id) == 0

    await wait(gone, "the case deleted")
    assert await _count(world, orm.agenda_item, "case_id", case.id) == 0
    assert await _count(world, orm.decision, "case_id", case.id) == 0
    assert await _count(world, orm.action, "case_id", case.id) == 0
    assert await _count(world, orm.erased, "concern_id", triaged.concern_id) == 1
    assert await _count(world, orm.data_key, "owner_id", triaged.concern_id) == 0  # the note's key shredded

    late = await world.publish(concern(concern_id=triaged.concern_id))  # triaged again, after the erasure
    inbox = world.svc.runtime.tables.inbox

    async def late_handled() -> bool:
        return bool(await world.rows(sa.select(inbox).where(inbox.c.event_id == late.id)))

    await wait(late_handled, "the late event handled")
    assert await _count(world, orm.panel_case, "concern_id", triaged.concern_id) == 0
