"""Submitted concerns taken as a set per batch leave exactly what the per-event use case leaves
for each in order: results, routing history and the events queued (real PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from frontdoor_shared.contracts import ConcernErasedV1
from frontdoor_shared.envelope import new_event
from triage.adapters import orm
from triage.bootstrap import Triage
from triage.config import TriageSettings
from triage.service_layer.triage import triage_concern, triage_concerns

pytestmark = pytest.mark.integration
NOW = datetime(2026, 3, 2, 10, tzinfo=UTC)


def _concerns(submitted: Any) -> tuple[list[Any], Any]:
    gone = submitted()
    concerns = [
        submitted(),  # school age, C&L 3: routed at once
        submitted(age_in_months=30, compulsory_school_age_from=None, need_codes=["SLCN"],
                  ranges=[{"area": "C&I", "range": 3}]),  # under five, no screening: more information
        submitted(safeguarding=True),  # safeguarding: escalated, never routed
        submitted(tried_for_weeks=None, ranges=[]),  # thin: more information needed
        gone,  # erased before its submission arrived
        submitted(need_codes=["SLCN"], ranges=[{"area": "C&I", "range": 5}], tried_for_weeks=12),
    ]
    return concerns, gone


async def _world(test_stack: Any, fresh_database: Any, migrate: Any, gone: Any) -> Triage:
    url = await fresh_database(test_stack.database_url)
    await migrate(url)
    triage = Triage(TriageSettings(DATABASE_URL=url, KAFKA_BOOTSTRAP_SERVERS=test_stack.bootstrap,
                                   intake_base_url="https://intake.test"))
    erased = ConcernErasedV1(concern_id=gone.concern_id, reference=gone.reference, erased_at=NOW,
                             reason="erasure-request")
    await triage._on_event(new_event(erased, source="urn:test", subject=gone.reference), erased, erased.TOPIC)
    return triage


async def _state(triage: Triage) -> dict[str, Any]:
    async with triage.runtime.engine.connect() as conn:
        results = (await conn.execute(sa.select(orm.triage_result).order_by(orm.triage_result.c.reference))).all()
        routing = (await conn.execute(sa.select(orm.routing.c.reference, orm.routing.c.pathway,
                                                orm.routing.c.priority, orm.routing.c.decided_by,
                                                orm.routing.c.routed_at).order_by(orm.routing.c.reference))).all()
        outbox = (await conn.execute(sa.select(triage.runtime.tables.outbox.c.topic,
                                               triage.runtime.tables.outbox.c.key))).all()
    return {"results": [tuple(r) for r in results], "routing": [tuple(r) for r in routing],
            "outbox": sorted(tuple(r) for r in outbox)}


async def test_a_batch_as_a_set_leaves_what_each_event_alone_would(test_stack, fresh_database, migrate,  # type: ignore[no-untyped-def]
                                                                  submitted) -> None:
    concerns, gone = _concerns(submitted)
    items = [(new_event(c, source="urn:test", subject=c.reference), c, c.TOPIC) for c in concerns]
    items.insert(2, items[0])  # delivered twice in one batch

    one_by_one = await _world(test_stack, fresh_database, migrate, gone)
    policy, base = one_by_one.policies.current, one_by_one.settings.intake_base_url
    for event, data, topic in items:
        await triage_concern(one_by_one.runtime.uow(), event, data, topic, policy, base, clock=lambda: NOW)

    as_a_set = await _world(test_stack, fresh_database, migrate, gone)
    async with as_a_set.runtime.batch_scope() as scope:
        await scope.claim((event, topic) for event, _, topic in items)
        await triage_concerns(as_a_set.runtime.uow(), items, policy, base, clock=lambda: NOW)

    expected, got = await _state(one_by_one), await _state(as_a_set)
    assert got == expected
    outcomes = sorted(r[2] for r in got["results"])
    assert outcomes == ["more-information-needed", "more-information-needed", "routed", "routed", "safeguarding"]
    assert len(got["routing"]) == 2
    assert gone.reference not in {r[1] for r in got["results"]}
    assert {t for t, _ in got["outbox"]} >= {"triage.concern-triaged.v1", "triage.safeguarding-escalated.v1"}
    assert uuid.UUID(got["outbox"][0][1])  # keyed by concern id
