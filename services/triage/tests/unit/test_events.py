"""What triage puts on topics: built from codes and ranges, never from identifiers."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime

from frontdoor_shared.contracts import ConcernSubmittedV1
from frontdoor_shared.contracts.common import Reason
from triage.adapters.policy_loader import load_policy, shipped_policy
from triage.domain.engine import evaluate
from triage.service_layer.events import (
    escalated_event,
    facts_from,
    reasons_of,
    routed_event,
    stored_facts,
    triaged_event,
)

Submitted = Callable[..., ConcernSubmittedV1]
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
BASE = "https://intake.council.example"
THIN = {"concern_id", "reference", "routed_at", "pathway", "priority", "age_in_months", "need_codes",
        "ranges", "reasons", "decided_by", "policy_version", "details_url", "received_on", "statutory_decision_due"}


def test_the_facts_are_the_concern_codes_ranges_and_flags(submitted: Submitted) -> None:
    data = submitted(screening=[{"tool": "WellComm", "outcome": "red", "area": "C&I"}],
                     urgency="high", safeguarding=True)

    facts = facts_from(data)

    assert facts.reference == data.reference
    assert (facts.age_in_months, facts.compulsory_school_age_from) == (90, date(2024, 9, 1))
    assert facts.need_codes == ("MLD",)
    assert facts.ranges == (("C&L", 3),)
    assert facts.screening == (("WellComm", "red", "C&I"),)
    assert (facts.tried_for_weeks, facts.urgency, facts.safeguarding) == (8, "high", True)


def test_the_stored_facts_leave_out_the_sealed_recipients(submitted: Submitted) -> None:
    data = submitted()

    kept = stored_facts(data)

    assert "recipients_sealed" not in kept
    assert data.recipients_sealed not in json.dumps(kept)
    assert kept["reference"] == data.reference


def test_the_triaged_event_carries_the_decision_the_reasons_and_the_policy_version(
        submitted: Submitted) -> None:
    data = submitted()
    decision = evaluate(load_policy(shipped_policy("default")), facts_from(data), NOW.date())

    triaged = triaged_event(data, decision, NOW)

    assert (triaged.outcome, triaged.pathway, triaged.priority) == ("routed", "sen-support", "routine")
    assert [r.rule for r in triaged.reasons] == [r.rule for r in decision.reasons]
    assert triaged.reasons[0].text == decision.reasons[0].text
    assert triaged.policy_version == "default-2026.1"


def test_a_routed_referral_holds_exactly_the_thin_fields_and_nothing_sealed(
        submitted: Submitted) -> None:
    data = submitted()
    reasons = [Reason(rule="sen-support-range-3", text="At range 3 the child needs SEN support.")]

    routed = routed_event(data, pathway="sen-support", priority="routine", reasons=reasons,
                          decided_by="policy", policy_version="default-2026.1", at=NOW, details_base=BASE)
    body = json.loads(routed.model_dump_json())

    assert set(body) == THIN
    assert set(type(routed).model_fields) == THIN
    assert data.recipients_sealed not in routed.model_dump_json()
    assert body["details_url"] == f"{BASE}/api/v1/referrals/{data.reference}"
    assert (body["decided_by"], body["reasons"][0]["rule"]) == ("policy", "sen-support-range-3")
    assert body["ranges"] == [{"area": "C&L", "range": 3}]


def test_routed_to_the_statutory_pathway_the_events_carry_the_day_received_and_the_decision_due(
        submitted: Submitted) -> None:
    late_evening = submitted(submitted_at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC),  # 00:30 on 1 July in England
                             ranges=[{"area": "C&L", "range": 5}])
    decision = evaluate(load_policy(shipped_policy("default")), facts_from(late_evening), NOW.date())
    assert (decision.outcome, decision.pathway) == ("routed", "statutory")

    triaged = triaged_event(late_evening, decision, NOW)
    routed = routed_event(late_evening, pathway="statutory", priority="routine", reasons=[], decided_by="policy",
                          policy_version="default-2026.1", at=NOW, details_base=BASE)

    assert (triaged.received_on, triaged.statutory_decision_due) == (date(2026, 7, 1), date(2026, 8, 12))
    assert (routed.received_on, routed.statutory_decision_due) == (date(2026, 7, 1), date(2026, 8, 12))


def test_on_any_other_pathway_or_before_the_council_decides_no_statutory_date_is_given(
        submitted: Submitted) -> None:
    policy = load_policy(shipped_policy("default"))
    routed = triaged_event(submitted(), evaluate(policy, facts_from(submitted()), NOW.date()), NOW)
    toddler = submitted(age_in_months=30, compulsory_school_age_from=date(2028, 9, 1), need_codes=["SLCN"],
                        ranges=[{"area": "C&I", "range": 5}], tried_for_weeks=12,
                        screening=[{"tool": "WellComm", "outcome": "red", "area": "C&I"}])
    listed = triaged_event(toddler, evaluate(policy, facts_from(toddler), NOW.date()), NOW)

    assert (routed.pathway, routed.received_on, routed.statutory_decision_due) == (
        "sen-support", date(2026, 3, 2), None)
    assert (listed.outcome, listed.pathway) == ("panel", "statutory")
    assert listed.statutory_decision_due is None  # the panel decides first


def test_a_safeguarding_escalation_links_to_the_concern_for_the_safeguarding_team(
        submitted: Submitted) -> None:
    data = submitted(safeguarding=True)

    escalated = escalated_event(data, NOW, BASE)

    assert escalated.details_url == f"{BASE}/api/v1/concerns/{data.reference}"
    assert set(json.loads(escalated.model_dump_json())) == {
        "concern_id", "reference", "escalated_at", "age_in_months", "details_url"}


def test_domain_reasons_become_contract_reasons() -> None:
    from triage.domain.engine import Reason as DomainReason

    assert reasons_of([DomainReason("a", "b")]) == [Reason(rule="a", text="b")]
