"""What the panel's pages show, read in one place (queries only, apart from a missing next meeting)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from early_years.adapters.cases import CaseRepository
from early_years.adapters.decisions import DecisionRepository
from early_years.adapters.meetings import MeetingRepository
from early_years.adapters.notes import Notes
from early_years.domain.actions import ActionState, is_overdue
from early_years.domain.decision import standing
from early_years.domain.quorum import Quorum
from early_years.domain.vocabulary import Vocabulary
from early_years.service_layer.agenda import upcoming_meeting
from early_years.service_layer.decide import quorum_of, recorded
from early_years.service_layer.panel import PanelSetup


@dataclass(frozen=True)
class Member:
    subject: str
    name: str
    role: str
    agency: str
    present: bool


@dataclass
class AgendaView:
    meeting: Any
    items: list[Any]
    deferred: list[Any]
    waiting: list[Any]
    members: list[Member]
    quorum: Quorum


@dataclass
class CaseView:
    case: Any
    meeting: Any
    quorum: Quorum | None
    decisions: list[Any]
    standing_id: uuid.UUID | None
    actions: list[Any]
    history: list[tuple[datetime, str]] = field(default_factory=list)
    notes: dict[Any, str] = field(default_factory=dict)  # the chair's notes in clear, by decision id


async def agenda_view(conn: AsyncConnection, panel: PanelSetup, today: date) -> AgendaView:
    meetings = MeetingRepository(conn)
    meeting = await upcoming_meeting(meetings, panel, today)
    rows = await meetings.agenda(meeting.id)
    present = {a.subject: a for a in await meetings.attendance(meeting.id)}
    members = [Member(m.subject, m.name, m.role, present[m.subject].agency if m.subject in present else m.agency,
                      m.subject in present) for m in await meetings.members(panel.id)]
    return AgendaView(meeting=meeting, items=[r for r in rows if not r.deferred],
                      deferred=[r for r in rows if r.deferred],
                      waiting=await CaseRepository(conn).waiting_elsewhere(panel.id, meeting.id),
                      members=members, quorum=quorum_of(panel, list(present.values())))


async def case_panel(conn: AsyncConnection, case_id: uuid.UUID) -> str | None:
    """Which panel a case belongs to (None when there is no such case): access is decided on it."""
    case = await CaseRepository(conn).get(case_id)
    return case.panel_id if case is not None else None


async def case_view(conn: AsyncConnection, panel: PanelSetup, case_id: uuid.UUID,
                    notes: Notes | None = None) -> CaseView | None:
    """The case with its evidence and history; with `notes`, the chair's notes decrypted too."""
    case = await CaseRepository(conn).get(case_id)
    if case is None:
        return None
    meetings, repo = MeetingRepository(conn), DecisionRepository(conn)
    meeting = await meetings.meeting_for_case(case_id)
    quorum = quorum_of(panel, await meetings.attendance(meeting.id)) if meeting is not None else None
    decisions, actions = await repo.for_case(case_id), await repo.actions_for_case(case_id)
    current = standing([recorded(d) for d in decisions])
    view = CaseView(case=case, meeting=meeting, quorum=quorum, decisions=decisions,
                    standing_id=uuid.UUID(current.id) if current else None, actions=actions)
    view.history = _history(case, await meetings.agenda_history(case_id), decisions, actions, panel.words)
    if notes is not None:
        view.notes = await notes.read(conn, case.concern_id, decisions)
    return view


def _history(case: Any, agenda: list[Any], decisions: list[Any], actions: list[Any],
             words: Vocabulary) -> list[tuple[datetime, str]]:
    lines: list[tuple[datetime, str]] = []
    if case.triaged_at is not None:
        lines.append((case.triaged_at, "Triaged: sent to the panel with a recommendation"))
    lines.append((case.listed_at, "Listed for the panel"))
    for item in agenda:
        deferred = " (deferred to a later meeting)" if item.deferred else ""
        lines.append((item.added_at, f"On the agenda of the meeting on {item.date:%-d %B %Y}{deferred}"))
    for d in decisions:
        kind = "Correction recorded" if d.corrects_decision_id else "Decision recorded"
        lines.append((d.decided_at, f"{kind}: {d.outcome}, {d.pathway} pathway"))
    lines += [(a.completed_at, f"Action for {words.agency_name(a.agency)} completed")
              for a in actions if a.completed_at]
    return sorted(lines, key=lambda line: line[0])


@dataclass
class ActionsView:
    overdue: list[Any]
    open: list[Any]
    completed: list[Any]


async def actions_view(conn: AsyncConnection, panel_id: str | None, today: date) -> ActionsView:
    rows = await DecisionRepository(conn).actions_of_panel(panel_id)
    state = {r.id: ActionState(str(r.id), r.due, r.completed_at, r.overdue_raised_at) for r in rows}
    return ActionsView(overdue=[r for r in rows if is_overdue(state[r.id], today)],
                       open=[r for r in rows if r.completed_at is None and not is_overdue(state[r.id], today)],
                       completed=[r for r in rows if r.completed_at is not None])
