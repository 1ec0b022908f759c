"""Use cases on meetings: seeding the panel on start-up, and recording who is present."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from early_years.adapters.meetings import MeetingRepository
from early_years.domain.exceptions import InvalidAttendance, UnknownCase
from early_years.service_layer.agenda import upcoming_meeting
from early_years.service_layer.panel import PanelSetup
from frontdoor_shared.uow import UnitOfWork


async def seed_panel(uow: UnitOfWork, panel: PanelSetup, members: Sequence[dict[str, str]],
                     now: datetime) -> Any:
    """The panel, its members and its next meeting (today when it has never met)."""
    async with uow:
        meetings = MeetingRepository(uow.conn)
        await meetings.lock_panel(panel.id)
        await meetings.ensure_panel(panel.id, panel.name)
        for member in members:
            await meetings.upsert_member(panel.id, **member)
        meeting = await upcoming_meeting(meetings, panel, panel.today(now))
        await uow.commit()
    return meeting


def attendees(roster: Sequence[Any], chosen: dict[str, str], agencies: Mapping[str, str]) -> list[dict[str, str]]:
    """Who is present (`chosen`: subject -> agency), checked against the panel's members and the
    council's agencies."""
    by_subject = {m.subject: m for m in roster}
    errors = {f"agency-{s}": "Select the agency this member speaks for"
              for s, agency in chosen.items() if agency not in agencies}
    if any(s not in by_subject for s in chosen):
        errors["present"] = "Choose members of this panel"
    if errors:
        raise InvalidAttendance(errors)
    return [{"subject": s, "agency": a, "role": by_subject[s].role} for s, a in chosen.items()]


async def record_attendance(uow: UnitOfWork, panel: PanelSetup, meeting_id: uuid.UUID,
                            chosen: dict[str, str]) -> None:
    async with uow:
        meetings = MeetingRepository(uow.conn)
        meeting = await meetings.meeting(meeting_id)
        if meeting is None or meeting.panel_id != panel.id:
            raise UnknownCase(f"no meeting {meeting_id} for panel {panel.id}")
        present = attendees(await meetings.members(panel.id), chosen, panel.words.agencies)
        await meetings.replace_attendance(meeting_id, present)
        await uow.commit()
