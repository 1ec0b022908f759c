"""intake.referral-progressed.v1: the team a child was referred to says how the referral is going.

After triage (or the panel) routes a concern to a pathway, the family's next news comes from that
team. Its system (a partner with the scope `referrals:<pathway>:update`) tells the council through
`POST /api/v1/referrals/{reference}/progress`: it accepted the referral (and by when it will
contact the family), booked the child's first appointment (the day), or declined the referral (a
reason from the council's list). Intake records it in the concern's history and publishes this;
notifications tells the family and the referrer, and the family's status page shows it; a decline
goes back to the council's staff to find the right help. Codes and dates only.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from frontdoor_shared import topics
from frontdoor_shared.contracts.base import Contract
from frontdoor_shared.contracts.common import Pathway

ProgressStage = Literal["accepted", "appointment-booked", "declined"]
DeclineReason = Literal["needs-met-by-setting", "out-of-area", "already-known", "another-service-better-placed"]

# Each reads after "because": "... decided not to take the referral because <words>."
DECLINE_REASONS: dict[str, str] = {
    "needs-met-by-setting": "the child's needs can be met by their setting with the team's advice",
    "out-of-area": "the family lives outside the area the team covers",
    "already-known": "the team is already working with the child",
    "another-service-better-placed": "another service is better placed to help",
}


class ReferralProgressedV1(Contract):
    """The pathway team accepted the referral, booked a first appointment, or declined it."""

    TYPE: ClassVar[str] = "uk.frontdoor.intake.referral.progressed.v1"
    TOPIC: ClassVar[str] = topics.REFERRAL_PROGRESSED
    VERSION: ClassVar[int] = 1

    concern_id: UUID = Field(description="The concern; the Kafka key")
    reference: str = Field(max_length=20, description="Concern reference")
    pathway: Pathway = Field(description="The pathway the concern was routed to (the team's)")
    stage: ProgressStage = Field(description="accepted, appointment-booked or declined")
    progressed_at: datetime = Field(description="When the team told the council")
    contact_by: date | None = Field(default=None, description=(
        "accepted: the day by which the team will contact the family (absent: the council's usual wait)"))
    appointment_on: date | None = Field(default=None, description=(
        "appointment-booked: the day of the first appointment"))
    reason: DeclineReason | None = Field(default=None, description=(
        "declined: why, as a code of the council's list"))
    reason_text: str | None = Field(default=None, max_length=200, description=(
        "declined: the reason in the council's words, read after 'because' (never the team's own words)"))
