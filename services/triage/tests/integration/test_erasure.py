"""When intake erases a concern, triage deletes its result (with the facts kept for simulation)
and routing history, and ignores any later event about it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from frontdoor_shared.contracts import ConcernErasedV1, PanelDecisionV2
from frontdoor_shared.envelope import new_event
from triage.adapters import orm
from triage.bootstrap import Triage
from triage.config import TriageSettings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def triage(test_stack: Any, migrate: Any) -> Any:
    await migrate(test_stack.database_url)
    service = Triage(TriageSettings(DATABASE_URL=test_stack.database_url, KAFKA_BOOTSTRAP_SERVERS=test_stack.bootstrap,
                                    intake_base_url="https://intake.test"))
    yield service
    await service.runtime.engine.dispose()


async def _handle(triage: Triage, data: Any) -> None:
    await triage._on_event(new_event(data, source="urn:test", subject=data.reference), data, data.TOPIC)


async def _rows(triage: Triage, table: sa.Table, concern_id: uuid.UUID) -> list[Any]:
    async with triage.runtime.engine.connect() as conn:
        return list((await conn.execute(sa.select(table).where(table.c.concern_id == concern_id))).all())


async def test_an_erased_concern_leaves_no_result_or_routing_and_later_events_do_nothing(  # type: ignore[no-untyped-def]
        triage, submitted) -> None:
    concern = submitted()
    await _handle(triage, concern)
    assert await _rows(triage, orm.triage_result, concern.concern_id)
    assert await _rows(triage, orm.routing, concern.concern_id)  # a school-age child is routed at once

    await _handle(triage, ConcernErasedV1(concern_id=concern.concern_id, reference=concern.reference,
                                          erased_at=datetime.now(UTC), reason="retention-expired"))

    assert await _rows(triage, orm.triage_result, concern.concern_id) == []
    assert await _rows(triage, orm.routing, concern.concern_id) == []
    (tombstone,) = await _rows(triage, orm.erased, concern.concern_id)
    assert tombstone.reason == "retention-expired"
    await _handle(triage, concern)  # the same concern again (a new event id: not an inbox duplicate)
    await _handle(triage, PanelDecisionV2(  # and a panel decision, which would otherwise find no result
        concern_id=concern.concern_id, reference=concern.reference, case_id=uuid.uuid4(), decision_id=uuid.uuid4(),
        decided_at=datetime.now(UTC), panel_id=uuid.uuid4(), outcome="confirmed", pathway="slcn", priority="high"))
    assert await _rows(triage, orm.triage_result, concern.concern_id) == []
    assert await _rows(triage, orm.routing, concern.concern_id) == []
