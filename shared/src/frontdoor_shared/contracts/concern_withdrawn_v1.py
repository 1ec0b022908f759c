"""intake.concern-withdrawn.v1: the referrer withdrew the concern before the council decided.

Every service stops working on it: triage and early years ignore later events about it (the panel
takes it off its agenda), notifications tells the family why, in the council's words, and sends
nothing more about it. A code and the council's wording only: never the referrer's own words.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from frontdoor_shared import topics
from frontdoor_shared.contracts.base import Contract

WithdrawalReason = Literal["needs-met", "family-declined", "moved-away", "raised-in-error"]

# Each reads after "because": "... withdrew the concern because <words>."
WITHDRAWAL_REASONS: dict[str, str] = {
    "needs-met": "the child's needs are now being met without extra help",
    "family-declined": "the family decided they do not want extra help at the moment",
    "moved-away": "the family has moved out of the council's area",
    "raised-in-error": "the concern was raised in error",
}


class ConcernWithdrawnV1(Contract):
    """The concern was withdrawn by whoever raised it; nothing more is done about it."""

    TYPE: ClassVar[str] = "uk.frontdoor.intake.concern.withdrawn.v1"
    TOPIC: ClassVar[str] = topics.CONCERN_WITHDRAWN
    VERSION: ClassVar[int] = 1

    concern_id: UUID = Field(description="The concern; the Kafka key")
    reference: str = Field(max_length=20, description="Concern reference")
    withdrawn_at: datetime = Field(description="When it was withdrawn")
    reason: WithdrawalReason = Field(description="Why, as a code of the council's list")
    reason_text: str = Field(max_length=200, description=(
        "The reason in the council's words, read after 'because' (never the referrer's own words)"))
