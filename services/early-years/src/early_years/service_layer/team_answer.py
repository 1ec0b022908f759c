"""Use case: the team a case was referred to answered; the case keeps it for the panel's review.

The panel decides and sets a review date; when it looks at the case again it needs to know whether
the team took the child on. Intake publishes each answer (`intake.referral-progressed.v1`): accepted
(and by when the team will contact the family), the first appointment booked, or declined with the
council's reason. The case keeps the latest; a concern that never came to the panel has no case,
and its answers change nothing here.
"""

from __future__ import annotations

from early_years.adapters.cases import CaseRepository
from frontdoor_shared.contracts import ReferralProgressedV1
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.uow import UnitOfWork


async def record_team_answer(uow: UnitOfWork, event: CloudEvent, data: ReferralProgressedV1, topic: str) -> None:
    async with uow:
        if not await uow.first_time(event, topic):
            return
        answer = {"stage": data.stage, "pathway": data.pathway, "at": data.progressed_at.isoformat(),
                  "contact_by": data.contact_by.isoformat() if data.contact_by else None,
                  "appointment_on": data.appointment_on.isoformat() if data.appointment_on else None,
                  "reason_text": data.reason_text}
        await CaseRepository(uow.conn).record_team_answer(data.concern_id, answer)
        await uow.commit()
