"""intake.concern-updated.v1: the concern's triage facts changed; triage decides again.

Today one change makes it: the referrer answered triage's request for more information (a
screening result, how long support has been tried, a range for an area of need), through the web
form or the API (`change: information-added`). The event carries the concern's triage facts as
they now stand; like `concern-submitted.v1` it carries codes and numbers only, never a name or free
text.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from frontdoor_shared import topics
from frontdoor_shared.contracts.base import Contract
from frontdoor_shared.contracts.common import AreaRange, NeedCode, Priority, Screening


class ConcernUpdatedV1(Contract):
    """The concern's facts after a change (the referrer added what triage asked for)."""

    TYPE: ClassVar[str] = "uk.frontdoor.intake.concern.updated.v1"
    TOPIC: ClassVar[str] = topics.CONCERN_UPDATED
    VERSION: ClassVar[int] = 1

    concern_id: UUID = Field(description="The concern; the Kafka key")
    reference: str = Field(max_length=20, description="Concern reference")
    updated_at: datetime = Field(description="When intake accepted the change")
    change: Literal["information-added"] = Field(
        default="information-added",
        description="What changed: information-added (the referrer answered triage's request for more)")
    revision: int = Field(ge=2, description="The concern's version: 2 after its first change, then 3, ...")
    age_in_months: int | None = Field(default=None, ge=0, description=(
        "Age when the change was made (triage decides on the child's age now); null pre-birth"))
    need_codes: list[NeedCode] = Field(default_factory=list, description="Need codes raised")
    ranges: list[AreaRange] = Field(default_factory=list, description="Ranges the referrer judged")
    screening: list[Screening] = Field(default_factory=list, description="Structured screening results")
    tried_for_weeks: int | None = Field(default=None, ge=0, description="How long support has been tried")
    urgency: Priority = Field(default="routine", description="Urgency as the referrer judged it")
    safeguarding: bool = Field(default=False, description="The referrer flagged a safeguarding concern")
    parent_informed: bool | None = Field(default=None, description="CFA 2014 s.23: parent was told")
