"""Use case: a triaged child not yet of compulsory school age joins the next panel's agenda."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from early_years.adapters import orm
from early_years.adapters.cases import CaseRepository
from early_years.adapters.meetings import MeetingRepository
from early_years.domain.agenda import belongs_on_panel, rank_key
from early_years.service_layer.agenda import place, place_many, upcoming_meeting
from early_years.service_layer.events import listed_event
from early_years.service_layer.panel import Clock, PanelSetup, utc_now
from frontdoor_shared import erasure
from frontdoor_shared.contracts import ConcernTriagedV1
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.ids import new_id
from frontdoor_shared.uow import UnitOfWork


def _evidence(data: ConcernTriagedV1) -> dict[str, Any]:
    return {"age_in_months": data.age_in_months, "recommended_pathway": data.pathway, "priority": data.priority,
            "need_codes": list(data.need_codes), "ranges": [r.model_dump() for r in data.ranges],
            "reasons": [r.model_dump() for r in data.reasons], "missing": list(data.missing),
            "policy_version": data.policy_version, "triaged_at": data.triaged_at, "received_on": data.received_on}


async def list_for_panel(uow: UnitOfWork, event: CloudEvent, data: ConcernTriagedV1, topic: str,
                         panel: PanelSetup, clock: Clock = utc_now) -> None:
    async with uow:
        if not await uow.first_time(event, topic):
            return
        if belongs_on_panel(data.outcome) and not await erasure.is_erased(uow.conn, orm.erased, data.concern_id):
            await _list(uow, event, data, panel, clock())
        await uow.commit()


async def _list(uow: UnitOfWork, event: CloudEvent, data: ConcernTriagedV1, panel: PanelSetup,
                now: datetime) -> None:
    cases, meetings = CaseRepository(uow.conn), MeetingRepository(uow.conn)
    await meetings.lock_panel(panel.id)
    existing = await cases.for_concern(data.concern_id)
    if existing is not None:  # triaged again (e.g. after more information): the newer evidence stands
        if existing.status == "listed":
            await cases.update(existing.id, **_evidence(data))
            await meetings.rerank(existing.id, rank_key(data.priority, existing.listed_at))
        return
    await meetings.ensure_panel(panel.id, panel.name)
    meeting = await upcoming_meeting(meetings, panel, panel.today(now))
    await cases.add(id=new_id(), concern_id=data.concern_id, reference=data.reference, status="listed",
                    listed_at=now, panel_id=panel.id, **_evidence(data))
    case = await cases.for_concern(data.concern_id)
    await place(meetings, meeting.id, case, by="triage", at=now)
    uow.emit(listed_event(case, meeting, now), subject=data.reference, key=str(data.concern_id), cause=event)


async def _add(uow: UnitOfWork, cases: CaseRepository, meetings: MeetingRepository, meeting: Any, panel_id: str,
               new: list[tuple[CloudEvent, ConcernTriagedV1]], now: datetime) -> list[Any]:
    """New cases, in order: their rows, their places on the agenda (one statement each), their events."""
    rows = await cases.add_many_returning([
        {"id": new_id(), "concern_id": data.concern_id, "reference": data.reference, "status": "listed",
         "listed_at": now, "panel_id": panel_id, **_evidence(data)} for _, data in new])
    await place_many(meetings, meeting.id, rows, by="triage", at=now)
    for (event, data), case in zip(new, rows, strict=True):
        uow.emit(listed_event(case, meeting, now), subject=data.reference, key=str(data.concern_id), cause=event)
    return rows


async def list_many_for_panel(uow: UnitOfWork, items: list[tuple[CloudEvent, ConcernTriagedV1, str]],
                              panel: PanelSetup, clock: Clock = utc_now) -> None:
    """A batch of triaged concerns: what `list_for_panel` does for each, in order, with the panel's
    lock, its next meeting and the concerns' cases read once per batch, not once per event, and the
    new cases written and placed on the agenda together (`place_many`)."""
    now = clock()
    async with uow:
        fresh = [(e, d) for e, d, t in items if await uow.first_time(e, t) and belongs_on_panel(d.outcome)]
        erased = await erasure.erased_among(uow.conn, orm.erased, {d.concern_id for _, d in fresh})
        todo = [(e, d) for e, d in fresh if d.concern_id not in erased]
        if todo:
            cases, meetings = CaseRepository(uow.conn), MeetingRepository(uow.conn)
            await meetings.lock_panel(panel.id)
            existing = await cases.for_concerns({d.concern_id for _, d in todo})
            meeting: Any = None
            new: list[tuple[CloudEvent, ConcernTriagedV1]] = []

            async def add_new() -> None:  # the new cases so far, so what follows sees them as `place` would
                if new:
                    rows = await _add(uow, cases, meetings, meeting, panel.id, new, now)
                    existing.update({row.concern_id: row for row in rows})
                    new.clear()

            for event, data in todo:
                if any(d.concern_id == data.concern_id for _, d in new):  # triaged twice in this batch
                    await add_new()
                case = existing.get(data.concern_id)
                if case is not None:  # triaged again: the newer evidence stands
                    if case.status == "listed":
                        await add_new()  # placed before the rerank, as one event after another would be
                        await cases.update(case.id, **_evidence(data))
                        await meetings.rerank(case.id, rank_key(data.priority, case.listed_at))
                    continue
                if meeting is None:
                    await meetings.ensure_panel(panel.id, panel.name)
                    meeting = await upcoming_meeting(meetings, panel, panel.today(now))
                new.append((event, data))
            await add_new()
        await uow.commit()
