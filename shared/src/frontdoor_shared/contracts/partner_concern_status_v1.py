"""partner.<client id>.status.v1: what became of each concern a partner system sent (public, outbound).

A partner that sends concerns (on `partner.concerns.v1`, or through the API or FHIR with its own
token) hears back on a topic of its own, so the council's Kafka can grant each partner read access
to its own topic alone (`deploy/kafka/partner-topic.sh`): whether intake accepted the concern (and
its reference) or refused it (each field and why, never the value sent), and each move of its
status after (triaged, more information needed, listed for the panel, routed, the panel's
decision, the answer of the team it was routed to, withdrawn, erased): the same lines as
`GET /api/v1/concerns/{reference}` gives the partner, pushed instead of polled. A partner
correlates by `idempotency_key`, the id of the event it sent (or the Idempotency-Key header of its
API request). References, codes and the council's reasons only: never anything about the child or
the family.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from frontdoor_shared import topics
from frontdoor_shared.contracts.base import Contract

PartnerStatus = Literal[
    "submitted", "refused", "triaged", "more-information-needed", "information-added",
    "escalated-to-safeguarding", "routed", "listed-for-panel", "panel-decided", "referral-accepted",
    "appointment-booked", "referral-declined", "withdrawn", "erased",
]


class Problem(BaseModel):
    """One reason a concern was refused: the field, and how to put it right (never the value sent)."""

    model_config = ConfigDict(frozen=True)

    field: str = Field(max_length=300, description="The field, as a dotted path (e.g. child.nhs_number), or data.jwe")
    reason: str = Field(max_length=1000, description="What is wrong and how to fix it")


class PartnerConcernStatusV1(Contract):
    """One step of a partner's concern: accepted (`submitted`), `refused`, or a later move of its status."""

    TYPE: ClassVar[str] = "uk.frontdoor.intake.partner.concern.status.v1"
    TOPIC: ClassVar[str] = topics.partner_status("{client_id}")
    VERSION: ClassVar[int] = 1

    reference: str | None = Field(default=None, max_length=20, description=(
        "The council's reference for the concern (quote it to the council, use it in "
        "`/api/v1/concerns/{reference}`); absent when the concern was refused"))
    idempotency_key: str | None = Field(default=None, max_length=200, description=(
        "What the partner sent it under: the id of its event on partner.concerns.v1, or its API request's "
        "Idempotency-Key; the Kafka key (the reference when there was none)"))
    status: PartnerStatus = Field(description=(
        "submitted (accepted: the council has it), refused (not accepted: see problems, fix and send again "
        "with a new id), then the concern's status as it moves"))
    at: datetime = Field(description="When the concern reached this status")
    detail: dict[str, Any] = Field(default_factory=dict, description=(
        "The same detail as this status's line in `GET /api/v1/concerns/{reference}`: for example the "
        "triage outcome, pathway, priority, the council's reasons and what information is missing"))
    problems: list[Problem] = Field(default_factory=list, max_length=100, description=(
        "Why a concern was refused: each field and how to fix it (refused only)"))
