"""Use cases on the agenda: the next meeting, placing a case, and the chair's moves."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from early_years.adapters.cases import CaseRepository
from early_years.adapters.meetings import MeetingRepository
from early_years.domain.agenda import move, next_meeting_date, position_between, rank_key, too_deep
from early_years.domain.exceptions import NotOnAgenda, UnknownCase
from early_years.service_layer.events import listed_event
from early_years.service_layer.panel import PanelSetup
from frontdoor_shared.uow import UnitOfWork


async def upcoming_meeting(meetings: MeetingRepository, panel: PanelSetup, today: date) -> Any:
    """The next scheduled meeting, created on the panel's calendar when there is none."""
    meeting = await meetings.next_meeting(panel.id, today)
    if meeting is None:
        last = await meetings.last_meeting_date(panel.id)
        meeting = await meetings.create_meeting(panel.id, next_meeting_date(last, today, panel.interval_days))
    return meeting


async def place(meetings: MeetingRepository, meeting_id: uuid.UUID, case: Any, *, by: str, at: datetime) -> None:
    """Put the case on the meeting's agenda by priority and waiting time, keeping the chair's order
    (the rule of `domain.agenda.insert_in_order`, applied by the database: see `position_for`)."""
    key = rank_key(case.priority, case.listed_at)
    await meetings.add_item(meeting_id, case.id, by=by, at=at, key=key,
                            position=await meetings.position_for(meeting_id, case.id, key))


async def place_many(meetings: MeetingRepository, meeting_id: uuid.UUID, cases: Sequence[Any], *, by: str,
                     at: datetime) -> None:
    """`place` for new cases one after another, with the agenda read once (one statement) and the
    items written once (one statement). The agenda is only read where `place` would look: for each
    rank, the first live item it outranks and the item before that, and the last position; the
    cases placed here are tracked in memory with, for each, the last agenda item below it."""
    if not cases:
        return
    keys = [rank_key(case.priority, case.listed_at) for case in cases]
    stored, stored_last = await meetings.outranked_and_before(meeting_id, keys)
    if too_deep(*(p for pair in stored.values() for p in pair)):  # gaps halved too often: respace first
        await meetings.respace(meeting_id)
        stored, stored_last = await meetings.outranked_and_before(meeting_id, keys)
    placed: list[tuple[Decimal, int, Decimal | None]] = []  # position, rank key, last stored item below it
    items = []
    for case, key in zip(cases, keys, strict=True):
        first, floor = stored[key]  # floor: the last stored item below `first`
        for position, other_key, other_floor in placed:
            if other_key > key and (first is None or position < first):
                first, floor = position, other_floor
        if first is None:
            last = max((p for p in (stored_last, *(p for p, _, _ in placed)) if p is not None), default=None)
            position, floor = (Decimal(1) if last is None else Decimal(int(last) + 1)), stored_last
        else:
            below = [p for p, _, _ in placed if p < first]
            before = max((p for p in (floor, *below) if p is not None), default=None)
            position = position_between(None if before is None else Decimal(before), Decimal(first))
        placed.append((position, key, floor))
        items.append((case.id, position, key))
    await meetings.add_items(meeting_id, items, by=by, at=at)


async def _listed_case(uow: UnitOfWork, panel: PanelSetup, case_id: uuid.UUID) -> tuple[MeetingRepository, Any]:
    meetings = MeetingRepository(uow.conn)
    await meetings.lock_panel(panel.id)
    case = await CaseRepository(uow.conn).get(case_id, for_update=True)
    if case is None or case.panel_id != panel.id:
        raise UnknownCase(f"no case {case_id} for panel {panel.id}")
    return meetings, case


async def defer(uow: UnitOfWork, panel: PanelSetup, case_id: uuid.UUID, *, by: str, now: datetime) -> date:
    """Take the case off its meeting and list it, by priority and waiting time, at the meeting after."""
    async with uow:
        meetings, case = await _listed_case(uow, panel, case_id)
        current = await meetings.meeting_for_case(case_id)
        if current is None:
            raise NotOnAgenda(f"case {case.reference} is on no agenda")
        await meetings.defer(current.id, case_id)
        later = await meetings.meeting_after(panel.id, current.date) or await meetings.create_meeting(
            panel.id, current.date + timedelta(days=panel.interval_days))
        await place(meetings, later.id, case, by=by, at=now)
        uow.emit(listed_event(case, later, now), subject=case.reference, key=str(case.concern_id))
        await uow.commit()
    return later.date  # type: ignore[no-any-return]


async def reorder(uow: UnitOfWork, panel: PanelSetup, case_id: uuid.UUID, direction: str) -> None:
    async with uow:
        meetings, case = await _listed_case(uow, panel, case_id)
        current = await meetings.meeting_for_case(case_id)
        if current is None:
            raise NotOnAgenda(f"case {case.reference} is on no agenda")
        ids = [r.id for r in await meetings.agenda(current.id) if not r.deferred]
        await meetings.set_positions(current.id, move(ids, case_id, direction))
        await uow.commit()


async def add(uow: UnitOfWork, panel: PanelSetup, case_id: uuid.UUID, *, by: str, now: datetime) -> date:
    """The chair brings a waiting case to the next meeting (it leaves any later agenda)."""
    async with uow:
        meetings, case = await _listed_case(uow, panel, case_id)
        meeting = await upcoming_meeting(meetings, panel, panel.today(now))
        await meetings.withdraw_after(case_id, meeting.date)
        await place(meetings, meeting.id, case, by=by, at=now)
        uow.emit(listed_event(case, meeting, now), subject=case.reference, key=str(case.concern_id))
        await uow.commit()
    return meeting.date  # type: ignore[no-any-return]
