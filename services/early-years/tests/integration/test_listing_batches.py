"""Triaged concerns taken as a set per batch leave exactly the cases, agenda and events that the
per-event use case leaves for each in order (real PostgreSQL)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from early_years.adapters import orm
from early_years.bootstrap import EarlyYears
from early_years.config import EarlyYearsSettings
from early_years.service_layer.erasure import erase_concern
from early_years.service_layer.listing import list_for_panel, list_many_for_panel
from frontdoor_cli.testing import fresh_database
from frontdoor_shared.contracts import ConcernErasedV1, ConcernTriagedV1
from frontdoor_shared.envelope import new_event

pytestmark = pytest.mark.integration
NOW = datetime(2026, 3, 4, 10, tzinfo=UTC)


def _triaged(cid: uuid.UUID, *, outcome: str = "panel", priority: str = "routine") -> ConcernTriagedV1:
    return ConcernTriagedV1.model_validate({
        "concern_id": cid, "reference": f"FD-{cid.hex[:4].upper()}-{cid.hex[4:8].upper()}", "triaged_at": NOW,
        "outcome": outcome, "pathway": "slcn", "priority": priority, "age_in_months": 30, "need_codes": ["SLCN"],
        "ranges": [{"area": "C&I", "range": 3}], "reasons": [], "missing": [], "policy_version": "t"})


def _items() -> tuple[list[Any], uuid.UUID]:
    a, b, c, again, routed, gone = (uuid.uuid4() for _ in range(6))
    datas = [_triaged(a), _triaged(b, priority="urgent"), _triaged(routed, outcome="routed"), _triaged(again),
             _triaged(gone), _triaged(c, priority="high"), _triaged(again, priority="urgent")]  # triaged again
    return [(new_event(d, source="urn:test", subject=d.reference), d, d.TOPIC) for d in datas], gone


async def _world(test_stack: Any, gone: uuid.UUID) -> EarlyYears:
    url = await asyncio.to_thread(fresh_database, test_stack)
    svc = EarlyYears(EarlyYearsSettings(DATABASE_URL=url, KAFKA_BOOTSTRAP_SERVERS=test_stack.bootstrap),
                     clock=lambda: NOW)
    erased = ConcernErasedV1(concern_id=gone, reference="FD-GONE-0000", erased_at=NOW, reason="erasure-request")
    await erase_concern(svc.runtime.uow(), new_event(erased, source="urn:test", subject="x"), erased, erased.TOPIC)
    return svc


async def _state(svc: EarlyYears) -> dict[str, Any]:
    async with svc.runtime.engine.connect() as conn:
        agenda = (await conn.execute(
            sa.select(orm.panel_case.c.reference, orm.panel_case.c.priority, orm.panel_meeting.c.date,
                      orm.agenda_item.c.rank_key, orm.agenda_item.c.deferred)
            .join(orm.agenda_item, orm.agenda_item.c.case_id == orm.panel_case.c.id)
            .join(orm.panel_meeting, orm.panel_meeting.c.id == orm.agenda_item.c.meeting_id)
            .order_by(orm.agenda_item.c.position))).all()
        outbox = (await conn.execute(sa.select(svc.runtime.tables.outbox.c.key))).all()
    return {"agenda": [tuple(r) for r in agenda], "listed": sorted(r[0] for r in outbox)}


async def test_a_batch_as_a_set_leaves_what_each_event_alone_would(test_stack) -> None:  # type: ignore[no-untyped-def]
    items, gone = _items()
    one_by_one = await _world(test_stack, gone)
    for event, data, topic in items:
        await list_for_panel(one_by_one.runtime.uow(), event, data, topic, one_by_one.panel, lambda: NOW)

    as_a_set = await _world(test_stack, gone)
    async with as_a_set.runtime.batch_scope() as scope:
        await scope.claim((event, topic) for event, _, topic in items)
        await list_many_for_panel(as_a_set.runtime.uow(), items, as_a_set.panel, lambda: NOW)

    expected, got = await _state(one_by_one), await _state(as_a_set)
    assert got == expected
    # by priority then waiting; the case triaged again keeps its place (the chair's order), at its new priority
    assert [priority for _, priority, *_ in got["agenda"]] == ["urgent", "high", "routine", "urgent"]
    assert len(got["listed"]) == 4  # the routed and the erased concern are not listed; the re-triaged once
    assert str(gone) not in got["listed"]


async def test_a_batch_lands_on_a_worked_agenda_exactly_where_one_event_after_another_would(  # type: ignore[no-untyped-def]
        test_stack) -> None:
    """An agenda the chair has worked on (cases moved, one deferred, listed at different times), then
    a batch of mixed priorities with a re-triage of a listed case and a concern triaged twice in the
    batch: the same positions, ranks and events as handling each event alone."""
    import random

    from early_years.service_layer.agenda import defer, reorder

    rng = random.Random(7)
    earlier = [(uuid.uuid4(), rng.choice(["urgent", "high", "routine"])) for _ in range(12)]
    batch_new = [(uuid.uuid4(), rng.choice(["urgent", "high", "routine", "routine"])) for _ in range(25)]
    retriaged, twice = earlier[4][0], batch_new[3][0]
    datas = [_triaged(cid, priority=p) for cid, p in batch_new]
    datas.insert(9, _triaged(retriaged, priority="urgent"))
    datas.insert(17, _triaged(twice, priority="urgent"))
    items = [(new_event(d, source="urn:test", subject=d.reference), d, d.TOPIC) for d in datas]

    async def worked(svc: EarlyYears) -> None:
        for minute, (cid, priority) in enumerate(earlier):
            at = NOW.replace(hour=8, minute=minute)
            d = _triaged(cid, priority=priority)
            await list_for_panel(svc.runtime.uow(), new_event(d, source="urn:test", subject=d.reference), d,
                                 d.TOPIC, svc.panel, lambda at=at: at)
        async with svc.runtime.engine.connect() as conn:
            ids = {r.concern_id: r.id for r in await conn.execute(sa.select(orm.panel_case))}
        await reorder(svc.runtime.uow(), svc.panel, ids[earlier[7][0]], "up")
        await reorder(svc.runtime.uow(), svc.panel, ids[earlier[2][0]], "down")
        await reorder(svc.runtime.uow(), svc.panel, ids[earlier[10][0]], "up")
        await defer(svc.runtime.uow(), svc.panel, ids[earlier[5][0]], by="chair", now=NOW)

    one_by_one = await _world(test_stack, uuid.uuid4())
    await worked(one_by_one)
    for event, data, topic in items:
        await list_for_panel(one_by_one.runtime.uow(), event, data, topic, one_by_one.panel, lambda: NOW)

    as_a_set = await _world(test_stack, uuid.uuid4())
    await worked(as_a_set)
    async with as_a_set.runtime.batch_scope() as scope:
        await scope.claim((event, topic) for event, _, topic in items)
        await list_many_for_panel(as_a_set.runtime.uow(), items, as_a_set.panel, lambda: NOW)

    async def positions(svc: EarlyYears) -> list[tuple[Any, ...]]:
        async with svc.runtime.engine.connect() as conn:
            return [tuple(r) for r in await conn.execute(
                sa.select(orm.panel_case.c.reference, orm.agenda_item.c.position, orm.agenda_item.c.rank_key,
                          orm.agenda_item.c.deferred, orm.panel_meeting.c.date)
                .join(orm.agenda_item, orm.agenda_item.c.case_id == orm.panel_case.c.id)
                .join(orm.panel_meeting, orm.panel_meeting.c.id == orm.agenda_item.c.meeting_id)
                .order_by(orm.panel_meeting.c.date, orm.agenda_item.c.position))]

    expected, got = await positions(one_by_one), await positions(as_a_set)
    assert got == expected
    assert len(got) == 12 + 25 + 1  # the deferred case is on two meetings: deferred on one, live on the next
    assert (await _state(as_a_set))["listed"] == (await _state(one_by_one))["listed"]
