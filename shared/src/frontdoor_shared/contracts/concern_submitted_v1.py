"""intake.concern-submitted.v1: a concern was accepted at the front door."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from frontdoor_shared import topics
from frontdoor_shared.contracts.base import Contract
from frontdoor_shared.contracts.common import AreaRange, NeedCode, Priority, Screening


class ConcernSubmittedV1(Contract):
    """A concern was accepted and stored. Carries no direct identifier of the child or family."""

    TYPE: ClassVar[str] = "uk.frontdoor.intake.concern.submitted.v1"
    TOPIC: ClassVar[str] = topics.CONCERN_SUBMITTED
    VERSION: ClassVar[int] = 1

    concern_id: UUID = Field(description="Opaque id of the concern; the Kafka key")
    reference: str = Field(max_length=20, description="Human-readable reference, e.g. FD-7K3M-9QXP")
    submitted_at: datetime = Field(description="When intake accepted the concern")
    channel: Literal["api", "form", "fhir", "partner"] = Field(description="Door it came through")
    referrer_role: str = Field(max_length=40, description="Role code of the referrer, e.g. health-visitor")
    age_in_months: int | None = Field(default=None, ge=0, description="Age on submission; null pre-birth")
    pre_birth: bool = Field(default=False, description="A concern raised before the child's birth")
    compulsory_school_age_from: date | None = Field(
        default=None,
        description="The prescribed day (1 Jan, 1 Apr or 1 Sep) the child reaches compulsory school age",
    )
    need_codes: list[NeedCode] = Field(default_factory=list, description="Need codes raised")
    ranges: list[AreaRange] = Field(default_factory=list, description="Ranges the referrer judged")
    screening: list[Screening] = Field(default_factory=list, description="Structured screening results")
    tried_for_weeks: int | None = Field(default=None, ge=0, description="How long support has been tried")
    urgency: Priority = Field(default="routine", description="Urgency as the referrer judged it")
    safeguarding: bool = Field(default=False, description="The referrer flagged a safeguarding concern")
    parent_informed: bool | None = Field(default=None, description="CFA 2014 s.23: parent was told")
    linked_concern_ids: list[UUID] = Field(
        default_factory=list, description="Open concerns about the same child (possible duplicate)"
    )
    recipients_sealed: str | None = Field(
        default=None,
        description="Family and referrer contact details, sealed for notifications alone (base64)",
    )
