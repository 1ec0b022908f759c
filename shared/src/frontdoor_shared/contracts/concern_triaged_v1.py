"""triage.concern-triaged.v1: triage decided what happens next for a concern."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from frontdoor_shared import topics
from frontdoor_shared.contracts.base import Contract
from frontdoor_shared.contracts.common import (
    AreaRange,
    NeedCode,
    Pathway,
    Priority,
    Reason,
    ReceivedOn,
    StatutoryDecisionDue,
)


class ConcernTriagedV1(Contract):
    """The triage outcome, the rules that fired and the policy version used."""

    TYPE: ClassVar[str] = "uk.frontdoor.triage.concern.triaged.v1"
    TOPIC: ClassVar[str] = topics.CONCERN_TRIAGED
    VERSION: ClassVar[int] = 1

    concern_id: UUID = Field(description="The concern; the Kafka key")
    reference: str = Field(max_length=20, description="Concern reference")
    triaged_at: datetime = Field(description="When triage decided")
    outcome: Literal["routed", "panel", "more-information-needed", "safeguarding"] = Field(
        description="routed directly, listed for the early-years panel, sent back, or escalated"
    )
    pathway: Pathway | None = Field(default=None, description="Recommended or assigned pathway")
    priority: Priority = Field(description="Priority for the receiving team")
    age_in_months: int | None = Field(default=None, ge=0, description="Age when triaged")
    need_codes: list[NeedCode] = Field(default_factory=list, description="Need codes")
    ranges: list[AreaRange] = Field(default_factory=list, description="Ranges per area")
    reasons: list[Reason] = Field(default_factory=list, description="Rules that fired, with text")
    missing: list[str] = Field(default_factory=list, description="Evidence the policy still needs")
    policy_version: str = Field(max_length=60, description="Version of the ranges policy used")
    received_on: ReceivedOn = None
    statutory_decision_due: StatutoryDecisionDue = None
