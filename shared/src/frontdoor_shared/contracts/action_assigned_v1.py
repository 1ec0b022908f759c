"""early-years.action-assigned.v1: the panel gave an agency an action (what, an owner, a due date)."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from frontdoor_shared import topics
from frontdoor_shared.contracts.base import Contract


class ActionAssignedV1(Contract):
    """A multi-agency action from a panel decision."""

    TYPE: ClassVar[str] = "uk.frontdoor.early-years.action.assigned.v1"
    TOPIC: ClassVar[str] = topics.ACTION_ASSIGNED
    VERSION: ClassVar[int] = 1

    concern_id: UUID = Field(description="The concern; the Kafka key")
    reference: str = Field(max_length=20, description="Concern reference")
    action_id: UUID = Field(description="The action")
    decision_id: UUID = Field(description="The decision that set it")
    agency: str = Field(max_length=60, description="Agency responsible, e.g. speech-and-language")
    owner_role: str = Field(max_length=60, description="Role of the owner (no names)")
    due: date = Field(description="Due date")
    assigned_at: datetime = Field(description="When it was assigned")
    task: str | None = Field(default=None, max_length=60, description=(
        "What is to be done: a code of the council's tasks, e.g. assess; none on actions set before tasks "
        "were recorded"))
    task_text: str | None = Field(default=None, max_length=200, description=(
        "The task in the council's words, read after 'asked <agency> to', e.g. assess the child's needs "
        "(never free text)"))
    agency_name: str | None = Field(default=None, max_length=120, description=(
        "The agency in the council's words, e.g. Speech and language therapy"))
