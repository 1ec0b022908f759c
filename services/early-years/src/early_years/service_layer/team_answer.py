"""Use case: the team a case was referred to answered; the case keeps it for the panel's review.

The panel decides and sets a review date; when it looks at the case again it needs to know whether
the team took the child on. Intake publishes each answer (`intake.referral-progressed.v1`): accepted
(and by when the team will contact the family), the first appointment booked, or declined with the
council's reason. The case keeps the latest; a concern that never came to the panel has no case,
and its answers change nothing here.

A team that declines a referral the panel made sends the child back to the panel: the case awaits
a decision again, on the next meeting's agenda (in its place by priority and how long the child
has waited), and the family hears the date (`early-years.case-listed.v1`). The panel then records
a correction of its decision, which triage routes as it says.
"""

from __future__ import annotations

from datetime import datetime

from early_years.adapters.cases import CaseRepository
from early_years.adapters.decisions import DecisionRepository
from early_years.adapters.meetings import MeetingRepository
from early_years.domain.decision import standing
from early_years.service_layer.agenda import place, upcoming_meeting
from early_years.service_layer.decide import recorded
from early_years.service_layer.events import listed_event
from early_years.service_layer.panel import Clock, PanelSetup, utc_now
from frontdoor_shared.contracts import ReferralProgressedV1
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.uow import UnitOfWork

DECIDED, LISTED = "decided", "listed"
BACK_FROM_TEAM = "team-declined"  # who put the case back on the agenda


async def record_team_answer(uow: UnitOfWork, event: CloudEvent, data: ReferralProgressedV1, topic: str,
                             panel: PanelSetup, clock: Clock = utc_now) -> None:
    async with uow:
        if not await uow.first_time(event, topic):
            return
        answer = {"stage": data.stage, "pathway": data.pathway, "at": data.progressed_at.isoformat(),
                  "contact_by": data.contact_by.isoformat() if data.contact_by else None,
                  "appointment_on": data.appointment_on.isoformat() if data.appointment_on else None,
                  "reason_text": data.reason_text}
        await CaseRepository(uow.conn).record_team_answer(data.concern_id, answer)
        if data.stage == "declined":
            await _back_to_panel(uow, event, data, panel, clock())
        await uow.commit()


async def _back_to_panel(uow: UnitOfWork, event: CloudEvent, data: ReferralProgressedV1, panel: PanelSetup,
                         now: datetime) -> None:
    meetings, cases = MeetingRepository(uow.conn), CaseRepository(uow.conn)
    await meetings.lock_panel(panel.id)  # agenda places are computed under the panel's lock
    case = await cases.for_concern(data.concern_id)
    if case is None or case.status != DECIDED or case.panel_id != panel.id:
        return  # never the panel's, withdrawn, or already back awaiting a decision
    rows = {str(d.id): d for d in await DecisionRepository(uow.conn).for_case(case.id)}
    decision = standing([recorded(d) for d in rows.values()])
    if decision is None or rows[decision.id].pathway != data.pathway:
        return  # a team the panel no longer sends the child to: its answer changes nothing
    meeting = await upcoming_meeting(meetings, panel, panel.today(now))
    await cases.update(case.id, status=LISTED)
    await place(meetings, meeting.id, case, by=BACK_FROM_TEAM, at=now)
    uow.emit(listed_event(case, meeting, now), subject=data.reference, key=str(data.concern_id), cause=event)
