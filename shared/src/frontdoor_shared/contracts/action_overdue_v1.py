"""early-years.action-overdue.v1: a panel action passed its due date without being completed."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from frontdoor_shared import topics
from frontdoor_shared.contracts.base import Contract


class ActionOverdueV1(Contract):
    """Raised once per action when it becomes overdue."""

    TYPE: ClassVar[str] = "uk.frontdoor.early-years.action.overdue.v1"
    TOPIC: ClassVar[str] = topics.ACTION_OVERDUE
    VERSION: ClassVar[int] = 1

    concern_id: UUID = Field(description="The concern; the Kafka key")
    reference: str = Field(max_length=20, description="Concern reference")
    action_id: UUID = Field(description="The action")
    agency: str = Field(max_length=60, description="Agency responsible")
    due: date = Field(description="The date it was due")
    raised_at: datetime = Field(description="When it was raised as overdue")
    agency_name: str | None = Field(default=None, max_length=120, description=(
        "The agency in the council's words, e.g. Speech and language therapy"))
    task_text: str | None = Field(default=None, max_length=200, description=(
        "What was to be done, in the council's words, e.g. assess the child's needs; none for an action "
        "set before tasks were recorded (never free text)"))
