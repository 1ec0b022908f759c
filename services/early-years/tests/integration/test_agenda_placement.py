"""The database places a case exactly where the agenda rule (`domain.agenda.insert_in_order`) says,
through any mix of priorities, waiting times and the chair's moves, without renumbering the others."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

import early_years
from early_years.adapters import orm
from early_years.adapters.cases import CaseRepository
from early_years.adapters.meetings import MeetingRepository
from early_years.domain.agenda import AgendaItem, insert_in_order, move
from early_years.service_layer.agenda import place
from early_years.service_layer.listing import list_for_panel
from early_years.service_layer.panel import PanelSetup
from frontdoor_cli.testing import fresh_database
from frontdoor_shared.contracts import ConcernTriagedV1
from frontdoor_shared.db import delivery_tables, make_engine
from frontdoor_shared.envelope import CloudEvent, new_event
from frontdoor_shared.migrations import upgrade
from frontdoor_shared.uow import UnitOfWork

MIGRATIONS = Path(early_years.__file__).parent / "migrations"


async def _one_meeting(meetings: MeetingRepository) -> Any:
    await meetings.ensure_panel("p", "Panel")
    return await meetings.create_meeting("p", date(2026, 12, 1))


async def _listed_case(cases: CaseRepository, i: int, priority: str, listed_at: datetime) -> Any:
    cid = uuid.uuid4()
    await cases.add(id=cid, concern_id=uuid.uuid4(), reference=f"FD-{i:04d}", priority=priority, need_codes=[],
                    ranges=[], reasons=[], status="listed", listed_at=listed_at, panel_id="p")
    return await cases.get(cid)


START = datetime(2026, 11, 1, 9, tzinfo=UTC)


async def _migrated_engine(test_stack: Any) -> Any:
    url = await asyncio.to_thread(fresh_database, test_stack)
    await asyncio.to_thread(upgrade, MIGRATIONS, url, "early_years")
    return make_engine(url)


def _lister(cases: CaseRepository, start: datetime) -> Any:
    """`new(i, priority)`: case i listed i seconds after `start`."""
    async def new(i: int, priority: str) -> Any:
        return await _listed_case(cases, i, priority, start + timedelta(seconds=i))
    return new


async def _agenda(meetings: MeetingRepository, meeting_id: uuid.UUID) -> list[str]:
    return [str(r.id) for r in await meetings.agenda(meeting_id) if not r.deferred]


async def test_the_database_places_each_case_where_the_domain_rule_does(test_stack: Any) -> None:
    url = await asyncio.to_thread(fresh_database, test_stack)
    await asyncio.to_thread(upgrade, MIGRATIONS, url, "early_years")
    engine = make_engine(url)
    rng = random.Random(20261128)
    start = datetime(2026, 11, 1, 9, tzinfo=UTC)
    expected: list[AgendaItem] = []
    rewritten: list[int] = []
    try:
        async with engine.begin() as conn:
            meetings, cases = MeetingRepository(conn), CaseRepository(conn)
            await meetings.ensure_panel("p", "Panel")
            meeting = await meetings.create_meeting("p", date(2026, 12, 1))
            for i in range(60):
                cid = uuid.uuid4()
                listed = start + timedelta(minutes=rng.randrange(0, 5000))  # out of arrival order on purpose
                priority = rng.choice(["urgent", "high", "routine", "routine"])
                await cases.add(id=cid, concern_id=uuid.uuid4(), reference=f"FD-{i:04d}", priority=priority,
                                need_codes=[], ranges=[], reasons=[], status="listed", listed_at=listed,
                                panel_id="p")
                before = {r.id: r.position for r in await meetings.agenda(meeting.id)}
                await place(meetings, meeting.id, await cases.get(cid), by="triage", at=listed)
                after = {r.id: r.position for r in await meetings.agenda(meeting.id)}
                rewritten.append(sum(1 for k, v in before.items() if after[k] != v))
                expected = insert_in_order(expected, AgendaItem(str(cid), f"FD-{i:04d}", priority, listed))
                if i % 7 == 6:  # the chair moves someone
                    ids = [uuid.UUID(x.case_id) for x in expected]
                    moved = move(ids, ids[rng.randrange(len(ids))], rng.choice(["up", "down"]))
                    await meetings.set_positions(meeting.id, moved)
                    by_id = {x.case_id: x for x in expected}
                    expected = [by_id[str(x)] for x in moved]
                assert await _agenda(meetings, meeting.id) == [x.case_id for x in expected], f"after case {i}"
            positions = (await conn.scalars(sa.select(orm.agenda_item.c.position))).all()
    finally:
        await engine.dispose()
    assert len(set(positions)) == 60
    assert rewritten == [0] * 60  # placing one case never rewrites another's position


async def test_a_case_triaged_again_is_compared_at_its_new_priority(test_stack: Any) -> None:
    url = await asyncio.to_thread(fresh_database, test_stack)
    await asyncio.to_thread(upgrade, MIGRATIONS, url, "early_years")
    engine = make_engine(url)
    tables = delivery_tables(sa.MetaData(), "early_years")
    panel = PanelSetup(id="p")
    now = datetime(2026, 11, 2, 9, tzinfo=UTC)
    first, second = uuid.uuid4(), uuid.uuid4()

    def triaged(cid: uuid.UUID, priority: str) -> tuple[CloudEvent, ConcernTriagedV1]:
        data = ConcernTriagedV1.model_validate({
            "concern_id": cid, "reference": f"FD-{cid.hex[:4].upper()}-0000", "triaged_at": now,
            "outcome": "panel", "pathway": "slcn", "priority": priority, "age_in_months": 30,
            "need_codes": ["SLCN"], "ranges": [{"area": "C&I", "range": 3}], "reasons": [], "missing": [],
            "policy_version": "t"})
        return new_event(data, source="urn:test", subject=data.reference), data

    try:
        for cid, priority, at in ((first, "routine", now), (first, "urgent", now), (second, "high", now)):
            event, data = triaged(cid, priority)
            await list_for_panel(UnitOfWork(engine, tables, "urn:test"), event, data, "t", panel,
                                 clock=lambda at=at: at + timedelta(minutes=1))
        async with engine.connect() as conn:
            order = [r.concern_id for r in await MeetingRepository(conn).agenda(
                await conn.scalar(sa.select(orm.panel_meeting.c.id)))]
    finally:
        await engine.dispose()
    # the first case is urgent now: the high one, listed later, does not outrank it
    assert order == [first, second]


async def _narrow_gap(meetings: MeetingRepository, meeting_id: uuid.UUID, new: Any) -> list[Any]:
    """An urgent case, then a high one just after it (a step on): each urgent case after these goes
    between the last urgent one and the high one, a gap narrower than a step, so it is halved."""
    first, high = await new(2000, "urgent"), await new(2001, "high")
    for case in (first, high):
        await place(meetings, meeting_id, case, by="triage", at=START)
    return [first, high]


async def test_cases_placed_again_and_again_into_one_gap_keep_their_order(test_stack: Any) -> None:
    """Each urgent case goes between the last urgent one and the high one, halving that gap: past
    about ninety, 28-digit decimals would round two places to the same value. Positions are exact."""
    from early_years.service_layer.agenda import place_many

    engine = await _migrated_engine(test_stack)
    try:
        async with engine.begin() as conn:
            meetings = MeetingRepository(conn)
            meeting, new = await _one_meeting(meetings), _lister(CaseRepository(conn), START)

            order = []
            for i in range(2):
                order.append(await new(i, "routine"))
                await place(meetings, meeting.id, order[-1], by="triage", at=START)
            first, high = await _narrow_gap(meetings, meeting.id, new)
            urgent = []
            for i in range(2, 122):  # one at a time
                urgent.append(await new(2001 + i, "urgent"))
                await place(meetings, meeting.id, urgent[-1], by="triage", at=START)
            batch = [await new(2001 + i, "urgent") for i in range(122, 242)]  # then as one batch
            await place_many(meetings, meeting.id, batch, by="triage", at=START)
            got = await _agenda(meetings, meeting.id)
            positions = (await conn.scalars(sa.select(orm.agenda_item.c.position))).all()
    finally:
        await engine.dispose()
    assert got == [str(c.id) for c in [first, *urgent, *batch, high, *order]]
    assert len(set(positions)) == 244


async def test_a_gap_halved_past_the_depth_limit_is_respaced_not_overflowed(test_stack: Any) -> None:
    """Hundreds of urgent cases into the same gap (one meeting of a whole county's backlog): without
    respacing every one adds a digit, and PostgreSQL's numeric stops at 16,383 after the point, so
    every later listing failed (seen at 50,000 concerns). Respaced, positions stay short and the
    order is the one each placement asked for."""
    from early_years.domain.agenda import DEEPEST
    from early_years.service_layer.agenda import place_many

    engine = await _migrated_engine(test_stack)

    def digits(positions: list[Any]) -> int:
        return max(len(p.as_tuple().digits) for p in positions)

    try:
        async with engine.begin() as conn:
            meetings = MeetingRepository(conn)
            meeting, new = await _one_meeting(meetings), _lister(CaseRepository(conn), START)

            routine = await new(0, "routine")
            await place(meetings, meeting.id, routine, by="triage", at=START)
            first, high = await _narrow_gap(meetings, meeting.id, new)
            urgent = []
            for i in range(2002, 2301):
                urgent.append(await new(i, "urgent"))
                await place(meetings, meeting.id, urgent[-1], by="triage", at=START)
            one_by_one = (await conn.scalars(sa.select(orm.agenda_item.c.position))).all()
            # a batch of 150 into the same gap, its stored neighbours deep again: respaced first
            for i in range(2301, 2331):
                urgent.append(await new(i, "urgent"))
                await place(meetings, meeting.id, urgent[-1], by="triage", at=START)
            batch = [await new(i, "urgent") for i in range(2331, 2481)]
            await place_many(meetings, meeting.id, batch, by="triage", at=START)
            got = await _agenda(meetings, meeting.id)
            positions = (await conn.scalars(sa.select(orm.agenda_item.c.position))).all()
    finally:
        await engine.dispose()
    assert digits(one_by_one) <= DEEPEST + 1 < 100  # 301 halvings into one gap: 300 digits unrespaced
    assert digits(positions) < 250  # the batch's 150 halvings start from a respaced gap (480 unrespaced)
    assert got == [str(c.id) for c in [first, *urgent, *batch, high, routine]]
    assert len(set(positions)) == len(positions)


async def test_a_long_agenda_fed_by_priority_is_never_rewritten(test_stack: Any) -> None:
    """New cases mostly join the end of their priority's band: each one steps on from the last, so
    however long the agenda grows, placing a case inserts one row and rewrites none (placed halfway,
    every few dozen cases in one band respaced the whole agenda: cost grew with its length)."""
    from early_years.service_layer.agenda import place_many

    engine = await _migrated_engine(test_stack)
    rng = random.Random(5)
    try:
        async with engine.begin() as conn:
            meetings = MeetingRepository(conn)
            meeting, new = await _one_meeting(meetings), _lister(CaseRepository(conn), START)
            expected: list[AgendaItem] = []
            cases = [await new(i, rng.choice(["urgent", "high", "routine"])) for i in range(900)]
            for case in cases[:300]:  # one at a time
                await place(meetings, meeting.id, case, by="triage", at=START)
            for start in range(300, 900, 150):  # then in batches
                await place_many(meetings, meeting.id, cases[start:start + 150], by="triage", at=START)
            for case in cases:
                expected = insert_in_order(expected, AgendaItem(str(case.id), case.reference, case.priority,
                                                                case.listed_at))
            got = await _agenda(meetings, meeting.id)
            rewritten = await conn.scalar(sa.text(
                "SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'agenda_item'"))
            positions = (await conn.scalars(sa.select(orm.agenda_item.c.position))).all()
    finally:
        await engine.dispose()
    assert got == [item.case_id for item in expected]
    assert rewritten == 0
    assert max(len(p.as_tuple().digits) for p in positions) <= 15  # whole numbers, no halving


async def test_batches_are_placed_where_the_rule_says_across_bands_moves_and_deferrals(test_stack: Any) -> None:
    """`place_many` (each case's first outranked item found band by band) against the domain rule:
    batches of cases listed out of order, every priority (one the panel does not know), the chair
    moving cases and deferring some between batches, and a case placed again at the next meeting."""
    from early_years.service_layer.agenda import place_many

    engine = await _migrated_engine(test_stack)
    rng = random.Random(20261130)
    try:
        async with engine.begin() as conn:
            meetings, cases = MeetingRepository(conn), CaseRepository(conn)
            meeting = await _one_meeting(meetings)
            expected: list[AgendaItem] = []
            n = 0
            for _round in range(12):
                batch = []
                for _ in range(rng.randrange(1, 15)):
                    listed = START + timedelta(minutes=rng.randrange(0, 50_000))  # not in arrival order
                    priority = rng.choice(["urgent", "high", "routine", "routine", "unheard-of"])
                    batch.append(await _listed_case(cases, n, priority, listed))
                    n += 1
                await place_many(meetings, meeting.id, batch, by="triage", at=START)
                for case in batch:
                    expected = insert_in_order(expected, AgendaItem(str(case.id), case.reference, case.priority,
                                                                    case.listed_at))
                assert await _agenda(meetings, meeting.id) == [x.case_id for x in expected], f"round {_round}"
                ids = [uuid.UUID(x.case_id) for x in expected]
                moved = move(ids, ids[rng.randrange(len(ids))], rng.choice(["up", "down"]))
                await meetings.set_positions(meeting.id, moved)
                by_id = {x.case_id: x for x in expected}
                expected = [by_id[str(x)] for x in moved]
                if len(expected) > 3 and _round % 3 == 1:  # deferred: off this agenda, outranking no one
                    gone = expected.pop(rng.randrange(len(expected)))
                    await meetings.defer(meeting.id, uuid.UUID(gone.case_id))
            later = await meetings.create_meeting("p", date(2026, 12, 15))
            on_later: list[AgendaItem] = []
            for case in [await cases.get(uuid.UUID(x.case_id)) for x in rng.sample(expected, 3)]:
                await place(meetings, later.id, case, by="chair", at=START)  # one at a time, as the chair does
                on_later = insert_in_order(on_later, AgendaItem(str(case.id), case.reference, case.priority,
                                                                case.listed_at))
            fresh = [await _listed_case(cases, n + i, p, START + timedelta(minutes=i))
                     for i, p in enumerate(["routine", "urgent", "high"])]
            await place_many(meetings, later.id, fresh, by="triage", at=START)
            for case in fresh:
                on_later = insert_in_order(on_later, AgendaItem(str(case.id), case.reference, case.priority,
                                                                case.listed_at))
            got_later = await _agenda(meetings, later.id)
    finally:
        await engine.dispose()
    assert n > 40
    assert got_later == [x.case_id for x in on_later]


async def test_finding_where_a_case_goes_reads_a_few_pages_however_long_the_agenda(test_stack: Any) -> None:
    """At 50,000 concerns the benchmark lists 22,000 cases on one meeting: reading every item a new
    case outranks took 5 ms a placement there. The first outranked item is now found with a few
    index probes per band: the pages read stay a handful as the agenda grows tenfold."""
    from early_years.adapters.meetings import _OUTRANKED_AND_BEFORE
    from early_years.domain.agenda import band_end, rank_key
    from frontdoor_shared.db import driver_connection

    engine = await _migrated_engine(test_stack)
    rng = random.Random(7)
    pages = {}
    try:
        async with engine.begin() as conn:
            meetings = MeetingRepository(conn)
            meeting = await _one_meeting(meetings)
            driver = await driver_connection(conn)
            # the agenda's rows alone (a case row each is not what this measures)
            await driver.execute("ALTER TABLE early_years.agenda_item DROP CONSTRAINT agenda_item_case_id_fkey")
            listed = 0
            for size in (500, 5000):
                items = []
                while listed < size:
                    key = rank_key(rng.choice(["urgent", "high", "routine"]), START + timedelta(seconds=listed))
                    items.append((uuid.uuid4(), Decimal(listed + 1), key))
                    listed += 1
                await meetings.add_items(meeting.id, items, by="triage", at=START)
                await driver.execute("ANALYZE early_years.agenda_item")
                keys = [rank_key(p, START + timedelta(days=30)) for p in ("urgent", "high", "routine")]
                statement = _OUTRANKED_AND_BEFORE.replace(":m", "$1").replace(":besides", "$2") \
                    .replace(":keys", "$3").replace(":ends", "$4")
                plan = await driver.fetchval("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement,
                                             meeting.id, None, keys, [band_end(k) for k in keys])
                top = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
                pages[size] = top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)
                found, _ = await meetings.outranked_and_before(meeting.id, keys)
                live = await conn.execute(sa.select(orm.agenda_item.c.position, orm.agenda_item.c.rank_key)
                                          .where(orm.agenda_item.c.meeting_id == meeting.id))
                rows = live.all()
                for k in keys:  # the same answer as reading every item
                    assert found[k][0] == min((p for p, r in rows if r > k), default=None)
    finally:
        await engine.dispose()
    assert pages[5000] < 120  # reading the outranked items one by one: about 450 pages here
    assert pages[5000] < pages[500] * 2
