"""Builders for notifications' tests (and any tier that drives it): realistic people and status
events about one concern. No side effects at import."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

from frontdoor_shared.contracts import (
    ActionAssignedV1,
    ActionOverdueV1,
    CaseListedV1,
    ConcernSubmittedV1,
    ConcernTriagedV1,
    ConcernWithdrawnV1,
    Contract,
    DecidedAction,
    FundingDecision,
    PanelDecisionV2,
    ReferralProgressedV1,
    SafeguardingEscalatedV1,
)
from frontdoor_shared.contracts.common import Reason
from frontdoor_shared.envelope import CloudEvent, new_event
from frontdoor_shared.sealed import development_keypair, seal

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # a Monday


def people(child: str = "Amara", *, preferred: str = "email", email: str | None = "grace.testparent@example.com",
           phone: str | None = "07700 900123", address: str | None = "1 Test Street, Testtown, TE1 1ST",
           interpreter: bool = False, language: str = "en") -> dict[str, Any]:
    """What intake seals for notifications (see intake.service_layer.submit.recipients)."""
    return {
        "child_given_name": child,
        "family": {"carers": [{"given_name": "Grace", "family_name": "Testparent", "relationship": "mother",
                               "email": email, "phone": phone, "address": address}],
                   "preferred_channel": preferred, "language": language, "interpreter_needed": interpreter,
                   "consent_to_share_with": ["health", "early-years"]},
        "referrer": {"name": "Hannah Visitor", "email": "hannah.visitor@nhs.example", "phone": None,
                     "organisation": "Model NHS Trust"},
    }


def sealed(who: dict[str, Any]) -> str:
    return seal(development_keypair()[1], json.dumps(who).encode())


REASONS = [Reason(rule="c-and-i-range-3", text="Uses far fewer words than most children of the same age.")]
PANEL_NOTE = "The nursery's small-group work is helping; the therapist will visit the nursery first."


def events(concern_id: uuid.UUID, reference: str, who: dict[str, Any] | None = None,
           at: datetime = NOW) -> dict[str, Contract]:
    """One of each status event about one concern, keyed by a readable name."""
    ids: dict[str, Any] = {"concern_id": concern_id, "reference": reference}
    triaged: dict[str, Any] = {**ids, "triaged_at": at, "priority": "routine", "policy_version": "2026.1",
                               "reasons": REASONS}
    return {
        "submitted": ConcernSubmittedV1(**ids, submitted_at=at, channel="form", referrer_role="health-visitor",
                                        age_in_months=30, recipients_sealed=sealed(who or people())),
        "triaged-routed": ConcernTriagedV1(**triaged, outcome="routed", pathway="slcn"),
        "triaged-panel": ConcernTriagedV1(**triaged, outcome="panel", pathway="slcn"),
        "triaged-more-information-needed": ConcernTriagedV1(
            **triaged, outcome="more-information-needed",
            missing=["a WellComm screening result", "how long support has been tried"]),
        "triaged-safeguarding": ConcernTriagedV1(**triaged, outcome="safeguarding"),
        "escalated": SafeguardingEscalatedV1(**ids, escalated_at=at, age_in_months=30,
                                             details_url=f"http://127.0.0.1:8000/api/v1/referrals/{reference}"),
        "listed": CaseListedV1(**ids, case_id=uuid.uuid4(), listed_at=at, panel_date=date(2026, 3, 18)),
        "decided": PanelDecisionV2(**ids, case_id=uuid.uuid4(), decision_id=uuid.uuid4(), decided_at=at,
                                   panel_id=uuid.uuid4(), outcome="confirmed", pathway="slcn", priority="high",
                                   reasons=REASONS, next_review=date(2026, 9, 1),
                                   note_sealed=seal(development_keypair()[1], PANEL_NOTE.encode()),
                                   funding=FundingDecision(band="FFI-2", amount_pence=125000, period="per term"),
                                   actions=[DecidedAction(action_id=uuid.uuid4(), agency="speech-and-language",
                                                          agency_name="Speech and language therapy", task="assess",
                                                          task_text="assess the child's needs",
                                                          due=date(2026, 4, 1)),
                                            DecidedAction(action_id=uuid.uuid4(), agency="early-years",
                                                          agency_name="Early years", task="train-staff",
                                                          task_text="train the setting's staff",
                                                          due=date(2026, 5, 6))]),
        "action-assigned": ActionAssignedV1(**ids, action_id=uuid.uuid4(), decision_id=uuid.uuid4(),
                                            agency="speech-and-language", owner_role="therapist",
                                            due=date(2026, 4, 1), assigned_at=at, task="assess",
                                            task_text="assess the child's needs",
                                            agency_name="Speech and language therapy"),
        "withdrawn": ConcernWithdrawnV1(**ids, withdrawn_at=at, reason="moved-away",
                                        reason_text="the family has moved out of the council's area"),
        "action-overdue": ActionOverdueV1(**ids, action_id=uuid.uuid4(), agency="speech-and-language",
                                          due=date(2026, 4, 1), raised_at=at, agency_name="Speech and language therapy",
                                          task_text="assess the child's needs"),
        "referral-accepted": ReferralProgressedV1(**ids, pathway="slcn", stage="accepted", progressed_at=at,
                                                  contact_by=date(2026, 3, 27)),
        "appointment-booked": ReferralProgressedV1(**ids, pathway="slcn", stage="appointment-booked",
                                                   progressed_at=at, appointment_on=date(2026, 4, 8)),
        "referral-declined": ReferralProgressedV1(**ids, pathway="slcn", stage="declined", progressed_at=at,
                                                  reason="already-known",
                                                  reason_text="the team is already working with the child"),
    }


def envelope(data: Contract, at: datetime = NOW) -> CloudEvent:
    return new_event(data, source="urn:frontdoor:test", subject=data.reference, time=at)  # type: ignore[attr-defined]


def new_concern() -> tuple[uuid.UUID, str]:
    return uuid.uuid4(), f"FD-{uuid.uuid4().hex[:4].upper()}-{uuid.uuid4().hex[:4].upper()}"
