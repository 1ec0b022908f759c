"""Domain decisions -> integration events, in one place.

Everything that leaves triage is built here, from the stored facts (which never hold a name,
NHS number, UPN, date of birth, address, contact detail or free text: intake keeps those) and
the decision. A routed referral is thin by construction: `ReferralRoutedV1` has no field that
could carry an identifier, and only codes, ranges, the age in months and reasons are copied in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from frontdoor_shared.contracts import (
    ConcernSubmittedV1,
    ConcernTriagedV1,
    ReferralRoutedV1,
    SafeguardingEscalatedV1,
)
from frontdoor_shared.contracts.common import Reason
from frontdoor_shared.statutory import clock_for, received_on
from triage.domain import engine
from triage.domain.engine import ConcernFacts, TriageDecision

# The facts triage keeps for re-evaluation: the submitted event without the sealed recipients.
NOT_KEPT = frozenset({"recipients_sealed"})


def facts_from(data: ConcernSubmittedV1) -> ConcernFacts:
    return ConcernFacts(
        reference=data.reference,
        age_in_months=data.age_in_months,
        pre_birth=data.pre_birth,
        compulsory_school_age_from=data.compulsory_school_age_from,
        need_codes=tuple(data.need_codes),
        ranges=tuple((r.area, r.range) for r in data.ranges),
        screening=tuple((s.tool, s.outcome, s.area) for s in data.screening),
        tried_for_weeks=data.tried_for_weeks,
        urgency=data.urgency,
        safeguarding=data.safeguarding,
    )


def stored_facts(data: ConcernSubmittedV1) -> dict[str, Any]:
    """What `triage_result.facts` holds: enough to re-run any policy later (see simulate)."""
    return data.model_dump(mode="json", exclude=set(NOT_KEPT))


def reasons_of(reasons: Iterable[engine.Reason]) -> list[Reason]:
    return [Reason(rule=r.rule, text=r.text) for r in reasons]


def triaged_event(data: ConcernSubmittedV1, d: TriageDecision, at: datetime) -> ConcernTriagedV1:
    """The outcome; routed to the statutory pathway, with the day the decision whether to assess is due
    (listed for the panel, the clock is the panel's to state when it decides)."""
    received = received_on(data.submitted_at)
    return ConcernTriagedV1(
        concern_id=data.concern_id, reference=data.reference, triaged_at=at,
        outcome=d.outcome, pathway=d.pathway, priority=d.priority,
        age_in_months=data.age_in_months, need_codes=data.need_codes, ranges=data.ranges,
        reasons=reasons_of(d.reasons), missing=list(d.missing), policy_version=d.policy_version,
        received_on=received, statutory_decision_due=clock_for(d.pathway if d.outcome == "routed" else None, received),
    )


def routed_event(facts: ConcernSubmittedV1, *, pathway: str, priority: str, reasons: list[Reason],
                 decided_by: str, policy_version: str | None, at: datetime,
                 details_base: str) -> ReferralRoutedV1:
    """The thin public referral: codes, ranges, age in months, reasons and a claim-check link; for the
    statutory team, the day the concern was received and the day its decision is due."""
    received = received_on(facts.submitted_at)
    return ReferralRoutedV1(
        concern_id=facts.concern_id, reference=facts.reference, routed_at=at,
        pathway=pathway, priority=priority,
        age_in_months=facts.age_in_months, need_codes=facts.need_codes, ranges=facts.ranges,
        reasons=reasons, decided_by=decided_by,
        policy_version=policy_version,
        details_url=f"{details_base}/api/v1/referrals/{facts.reference}",
        received_on=received, statutory_decision_due=clock_for(pathway, received),
    )


def escalated_event(facts: ConcernSubmittedV1, at: datetime, details_base: str) -> SafeguardingEscalatedV1:
    """For the safeguarding front door (and notifications, which tells a person there)."""
    return SafeguardingEscalatedV1(
        concern_id=facts.concern_id, reference=facts.reference, escalated_at=at,
        age_in_months=facts.age_in_months,
        details_url=f"{details_base}/api/v1/concerns/{facts.reference}",
    )
