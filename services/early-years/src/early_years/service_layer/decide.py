"""Use case: the panel records a decision (or a correction of one), with its actions.

Quorum and every field are checked against the meeting the case is on; the decision, its
actions, the case's new status and the events they cause commit in one transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from early_years.adapters.cases import CaseRepository
from early_years.adapters.decisions import DecisionRepository
from early_years.adapters.meetings import MeetingRepository
from early_years.adapters.notes import Notes
from early_years.domain.decision import DecisionDraft, RecordedDecision, correction_errors, refusals
from early_years.domain.exceptions import DecisionRefused, UnknownCase
from early_years.domain.quorum import Attendee, Quorum
from early_years.service_layer.agenda import upcoming_meeting
from early_years.service_layer.erasure import WITHDRAWN
from early_years.service_layer.events import action_event, decision_event
from early_years.service_layer.panel import PanelSetup
from frontdoor_shared.uow import UnitOfWork

CHAIR = "panel-chair"


def quorum_of(panel: PanelSetup, present: list[Any]) -> Quorum:
    return panel.rule.check([Attendee(p.subject, p.agency, p.role == CHAIR) for p in present])


def recorded(row: Any) -> RecordedDecision:
    return RecordedDecision(str(row.id), str(row.corrects_decision_id) if row.corrects_decision_id else None,
                            row.decided_at)


async def record_decision(uow: UnitOfWork, panel: PanelSetup, notes: Notes, case_id: uuid.UUID,
                          draft: DecisionDraft, *, by: str, now: datetime,
                          form_errors: dict[str, str] | None = None) -> uuid.UUID:
    """Record it, or raise DecisionRefused naming every problem (`form_errors`: what the form
    itself could not read, such as a date that does not exist, shown with the rest)."""
    async with uow:
        case = await CaseRepository(uow.conn).get(case_id, for_update=True)  # one decision at a time per case
        if case is None or case.panel_id != panel.id:
            raise UnknownCase(f"no case {case_id} for panel {panel.id}")
        if case.status == WITHDRAWN:
            raise DecisionRefused({"outcome": "The concern was withdrawn by whoever raised it: it needs no decision"})
        meetings, decisions = MeetingRepository(uow.conn), DecisionRepository(uow.conn)
        meeting = await meetings.meeting_for_case(case_id) or await upcoming_meeting(
            meetings, panel, panel.today(now))
        present = await meetings.attendance(meeting.id)
        errors = refusals(draft, quorum_of(panel, present), recommended=case.recommended_pathway,
                          today=panel.today(now), bands=panel.bands, words=panel.words)
        errors |= correction_errors([recorded(d) for d in await decisions.for_case(case_id)],
                                    draft.corrects_decision_id)
        errors |= form_errors or {}
        if errors:
            raise DecisionRefused(errors)
        note = draft.note.strip()
        row = _decision_row(case, meeting, present, draft, by=by, now=now)
        await decisions.add(**row, note=await notes.encrypt(uow.conn, case.concern_id, note))
        actions = _action_rows(case, row, draft)
        uow.emit(decision_event(case, row, actions=actions, note_sealed=notes.seal(note), words=panel.words),
                 subject=case.reference, key=str(case.concern_id))
        for action in actions:
            await decisions.add_action(**action)
            uow.emit(action_event(case, action, panel.words), subject=case.reference, key=str(case.concern_id))
        await CaseRepository(uow.conn).update(case_id, status="decided")
        await uow.commit()
    return row["id"]  # type: ignore[no-any-return]


def _decision_row(case: Any, meeting: Any, present: list[Any], draft: DecisionDraft, *, by: str,
                  now: datetime) -> dict[str, Any]:
    funding = draft.funding
    return {
        "id": uuid.uuid4(), "case_id": case.id, "meeting_id": meeting.id, "outcome": draft.outcome,
        "recommended_pathway": case.recommended_pathway, "pathway": draft.pathway, "priority": case.priority,
        "reason_codes": list(draft.reason_codes), "funding_band": funding.band if funding else None,
        "funding_amount_pence": funding.amount_pence if funding else None,
        "funding_period": funding.period if funding else None, "next_review": draft.next_review,
        "present": [{"subject": p.subject, "agency": p.agency, "role": p.role} for p in present],
        "agencies_present": sorted({p.agency for p in present}),
        "corrects_decision_id": uuid.UUID(draft.corrects_decision_id) if draft.corrects_decision_id else None,
        "decided_by": by, "decided_at": now,
    }


def _action_rows(case: Any, decision: dict[str, Any], draft: DecisionDraft) -> list[dict[str, Any]]:
    return [{"id": uuid.uuid4(), "decision_id": decision["id"], "case_id": case.id, "agency": a.agency,
             "task": a.task, "owner_role": a.owner_role.strip(), "due": a.due, "assigned_at": decision["decided_at"]}
            for a in draft.actions]
