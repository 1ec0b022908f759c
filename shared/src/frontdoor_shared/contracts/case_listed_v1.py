"""early-years.case-listed.v1: a child's concern joined an early-years inclusion panel agenda."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from frontdoor_shared import topics
from frontdoor_shared.contracts.base import Contract


class CaseListedV1(Contract):
    """The case is on the agenda of a panel meeting."""

    TYPE: ClassVar[str] = "uk.frontdoor.early-years.case.listed.v1"
    TOPIC: ClassVar[str] = topics.CASE_LISTED
    VERSION: ClassVar[int] = 1

    concern_id: UUID = Field(description="The concern; the Kafka key")
    reference: str = Field(max_length=20, description="Concern reference")
    case_id: UUID = Field(description="The panel case")
    listed_at: datetime = Field(description="When it was listed")
    panel_id: UUID | None = Field(default=None, description="The panel meeting, when one is scheduled")
    panel_date: date | None = Field(default=None, description="Date of that meeting")
