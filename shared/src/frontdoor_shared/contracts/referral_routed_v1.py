"""referrals.<pathway>.v1: a referral routed to a pathway (public, one topic per pathway)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

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


class ReferralRoutedV1(Contract):
    """A thin referral: codes, ranges and reasons; details are fetched with the partner's token."""

    TYPE: ClassVar[str] = "uk.frontdoor.triage.referral.routed.v1"
    TOPIC: ClassVar[str] = "referrals.{pathway}.v1"
    VERSION: ClassVar[int] = 1

    concern_id: UUID = Field(description="The concern; the Kafka key")
    reference: str = Field(max_length=20, description="Concern reference")
    routed_at: datetime = Field(description="When the referral was routed")
    pathway: Pathway = Field(description="The pathway; also the topic")
    priority: Priority = Field(description="Priority")
    age_in_months: int | None = Field(default=None, ge=0, description="Age in months when routed")
    need_codes: list[NeedCode] = Field(default_factory=list, description="Need codes")
    ranges: list[AreaRange] = Field(default_factory=list, description="Ranges per area")
    reasons: list[Reason] = Field(default_factory=list, description="Why this pathway")
    decided_by: Literal["policy", "panel"] = Field(description="The ranges policy or the panel")
    policy_version: str | None = Field(default=None, max_length=60, description="Policy version")
    details_url: str = Field(max_length=300, description="Claim-check link for the full details")
    received_on: ReceivedOn = None
    statutory_decision_due: StatutoryDecisionDue = None
