"""intake.concern-erased.v1: a concern was erased; every service deletes what it holds about it."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from frontdoor_shared import topics
from frontdoor_shared.contracts.base import Contract


class ConcernErasedV1(Contract):
    """Intake destroyed the concern's data key and blanked its record: consumers delete or
    anonymise their rows for it and ignore any later event about it. Ids, a time and a reason code
    only: nothing about the child."""

    TYPE: ClassVar[str] = "uk.frontdoor.intake.concern.erased.v1"
    TOPIC: ClassVar[str] = topics.CONCERN_ERASED
    VERSION: ClassVar[int] = 1

    concern_id: UUID = Field(description="The erased concern; the Kafka key")
    reference: str = Field(max_length=20, description="Concern reference (kept in the audit trail)")
    erased_at: datetime = Field(description="When intake erased it")
    reason: Literal["erasure-request", "retention-expired"] = Field(
        description="Why: an authorised erasure request, or the retention period ran out")
