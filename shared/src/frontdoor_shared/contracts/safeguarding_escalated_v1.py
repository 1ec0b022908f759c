"""triage.safeguarding-escalated.v1: a concern flagged for safeguarding left the SEND route at once."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from frontdoor_shared import topics
from frontdoor_shared.contracts.base import Contract


class SafeguardingEscalatedV1(Contract):
    """Never routed as SEND: the council's safeguarding front door must act, and a human is told."""

    TYPE: ClassVar[str] = "uk.frontdoor.triage.safeguarding.escalated.v1"
    TOPIC: ClassVar[str] = topics.SAFEGUARDING_ESCALATED
    VERSION: ClassVar[int] = 1

    concern_id: UUID = Field(description="The concern; the Kafka key")
    reference: str = Field(max_length=20, description="Concern reference")
    escalated_at: datetime = Field(description="When triage escalated it")
    age_in_months: int | None = Field(default=None, ge=0, description="Age in months")
    details_url: str = Field(max_length=300, description="Claim-check link for the safeguarding team")
