"""early-years.panel-decision.v2: the early-years inclusion panel decided, with coded reasons.

Version 2 replaced version 1 (removed), which carried the chair's free-text reason in clear. Free text about
a child can name the child or their family, so it never travels in clear: the reasons are codes
from the council's list, each with the council's own published wording, and the chair's note (if
any) is sealed for notifications alone (it goes into the family's and the referrer's letters).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from frontdoor_shared import topics
from frontdoor_shared.contracts.base import Contract
from frontdoor_shared.contracts.common import Pathway, Priority, Reason, ReceivedOn, StatutoryDecisionDue


class FundingDecision(BaseModel):
    """Inclusion funding without a plan (as Leeds' Funding for Inclusion)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    band: str = Field(max_length=20, description="Funding band, e.g. FFI-2")
    amount_pence: int = Field(ge=0, description="Amount in pence for the period")
    period: str = Field(max_length=40, description="Period the amount covers, e.g. per term")


class DecidedAction(BaseModel):
    """One of the multi-agency actions set with the decision, so the family's and the referrer's
    letters can say who will do what by when. Each is also announced by its own
    `action-assigned.v1` event (its owner, the overdue check); codes and the council's words only."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    action_id: UUID = Field(description="The action, as in its action-assigned.v1 event")
    agency: str = Field(max_length=60, description="Agency responsible, e.g. speech-and-language")
    agency_name: str = Field(max_length=120, description="The agency in the council's words")
    task: str | None = Field(default=None, max_length=60,
                             description="What is to be done: a code of the council's tasks")
    task_text: str | None = Field(default=None, max_length=200, description=(
        "The task in the council's words, read after 'asked <agency> to' (never free text)"))
    due: date = Field(description="Due date")


class PanelDecisionV2(Contract):
    """A recorded panel decision: confirms or overrides triage's recommendation, with coded reasons."""

    TYPE: ClassVar[str] = "uk.frontdoor.early-years.panel.decision.v2"
    TOPIC: ClassVar[str] = topics.PANEL_DECISION
    VERSION: ClassVar[int] = 2

    concern_id: UUID = Field(description="The concern; the Kafka key")
    reference: str = Field(max_length=20, description="Concern reference")
    case_id: UUID = Field(description="The panel case")
    decision_id: UUID = Field(description="This decision; decisions are never edited")
    corrects_decision_id: UUID | None = Field(default=None, description="The decision this one corrects")
    decided_at: datetime = Field(description="When the panel decided")
    panel_id: UUID = Field(description="The panel meeting")
    outcome: Literal["confirmed", "overridden"] = Field(description="Confirmed or overrode the recommendation")
    recommended_pathway: Pathway | None = Field(default=None, description="What triage recommended")
    pathway: Pathway = Field(description="The pathway the panel decided")
    priority: Priority = Field(description="Priority")
    reasons: list[Reason] = Field(
        default_factory=list,
        description="The panel's reasons as codes (rule `panel:<code>`) with the council's published wording; "
                    "never free text")
    note_sealed: str | None = Field(
        default=None, max_length=8000,
        description="The chair's note for the family and the referrer, sealed for notifications alone "
                    "(X25519 + AES-GCM, base64url); absent when the chair wrote none")
    funding: FundingDecision | None = Field(default=None, description="Inclusion funding, where it applies")
    next_review: date | None = Field(default=None, description="Next review date")
    agencies_present: list[str] = Field(default_factory=list, description="Agencies present (no names)")
    actions: list[DecidedAction] = Field(
        default_factory=list, max_length=20,
        description="The actions the panel set with this decision (added later, so absent from older events)")
    received_on: ReceivedOn = None
    statutory_decision_due: StatutoryDecisionDue = None
