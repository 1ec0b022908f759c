"""The rule engine against the shipped policies: a table of concerns and what should happen."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from triage.adapters.policy_loader import load_policy, shipped_policy
from triage.domain.engine import ConcernFacts, TriageDecision, evaluate
from triage.domain.policy import AreasAtLeast, Policy

TODAY = date(2026, 3, 2)
SCHOOL_AGE_FROM = date(2024, 9, 1)  # a child who reached compulsory school age last year
NOT_YET_SCHOOL_AGE = date(2026, 9, 1)


@pytest.fixture(scope="module")
def default_policy() -> Policy:
    return load_policy(shipped_policy("default"))


@pytest.fixture(scope="module")
def council_b() -> Policy:
    return load_policy(shipped_policy("example-council-b"))


def concern(**overrides: Any) -> ConcernFacts:
    """A complete school-age concern at C&L range 3; each case changes what it is about."""
    facts: dict[str, Any] = {
        "reference": "FD-TEST-0001",
        "age_in_months": 90,
        "pre_birth": False,
        "compulsory_school_age_from": SCHOOL_AGE_FROM,
        "need_codes": ("MLD",),
        "ranges": (("C&L", 3),),
        "screening": (),
        "tried_for_weeks": 8,
        "urgency": "routine",
        "safeguarding": False,
    }
    return ConcernFacts(**{**facts, **overrides})


def toddler(**overrides: Any) -> ConcernFacts:
    """A complete concern about a 2½-year-old's speech, with a WellComm result."""
    facts: dict[str, Any] = {
        "age_in_months": 30,
        "compulsory_school_age_from": None,
        "need_codes": ("SLCN",),
        "ranges": (("C&I", 3),),
        "screening": (("WellComm", "amber", "C&I"),),
    }
    return concern(**{**facts, **overrides})


@dataclass(frozen=True)
class Case:
    story: str
    facts: ConcernFacts
    outcome: str
    pathway: str | None
    panel: bool
    priority: str = "routine"
    statutory: bool = False


CASES = [
    # --- under 5 / not yet of compulsory school age: the panel, with a recommendation --------
    Case(
        "a toddler with SLCN and a WellComm red result goes to panel on the slcn pathway",
        toddler(
            ranges=(("C&I", 2),), screening=(("WellComm", "red", "C&I"),), tried_for_weeks=None
        ),
        "panel",
        "slcn",
        panel=True,
        priority="high",
    ),
    Case(
        "a toddler with SLCN at C&I range 3 goes to panel on the slcn pathway",
        toddler(),
        "panel",
        "slcn",
        panel=True,
    ),
    Case(
        "an ASQ-3 result counts as the early screening a toddler needs",
        toddler(screening=(("ASQ-3", "below-cutoff", "C&I"),)),
        "panel",
        "slcn",
        panel=True,
    ),
    Case(
        "a four-year-old at range 5 goes to panel with statutory assessment recommended",
        concern(
            age_in_months=50,
            compulsory_school_age_from=None,
            need_codes=("SLD",),
            ranges=(("C&L", 5),),
            tried_for_weeks=12,
        ),
        "panel",
        "statutory",
        panel=True,
        priority="high",
        statutory=True,
    ),
    Case(
        "a pre-birth concern goes to panel without asking what has been tried",
        concern(
            age_in_months=None,
            pre_birth=True,
            compulsory_school_age_from=None,
            need_codes=("PD",),
            ranges=(("S&P", 3),),
            tried_for_weeks=None,
        ),
        "panel",
        "sen-support",
        panel=True,
    ),
    Case(
        "a pre-birth concern at range 5 goes to panel with statutory assessment recommended",
        concern(
            age_in_months=None,
            pre_birth=True,
            compulsory_school_age_from=None,
            need_codes=("PD",),
            ranges=(("S&P", 5),),
            tried_for_weeks=None,
        ),
        "panel",
        "statutory",
        panel=True,
        priority="high",
        statutory=True,
    ),
    Case(
        "a safeguarding flag on a pre-birth concern is escalated, not taken to panel",
        concern(age_in_months=None, pre_birth=True, compulsory_school_age_from=None, safeguarding=True),
        "safeguarding",
        None,
        panel=False,
        priority="urgent",
    ),
    Case(
        "a five-year-old before the prescribed day still goes to panel",
        concern(
            age_in_months=62,
            compulsory_school_age_from=NOT_YET_SCHOOL_AGE,
            need_codes=("SEMH",),
            ranges=(("SEMH", 4),),
        ),
        "panel",
        "outreach",
        panel=True,
        priority="high",
    ),
    # --- of compulsory school age: routed directly ----------------------------------------
    Case(
        "a child reaching compulsory school age today is routed directly",
        concern(age_in_months=64, compulsory_school_age_from=TODAY),
        "routed",
        "sen-support",
        panel=False,
    ),
    Case(
        "a six-year-old of compulsory school age is routed directly, without a panel",
        concern(age_in_months=72, compulsory_school_age_from=date(2025, 9, 1)),
        "routed",
        "sen-support",
        panel=False,
    ),
    Case(
        "a six-year-old with no prescribed day recorded is routed directly",
        concern(age_in_months=74, compulsory_school_age_from=None, need_codes=("SEMH",),
                ranges=(("SEMH", 4),)),
        "routed",
        "outreach",
        panel=False,
        priority="high",
    ),
    Case(
        "a five-year-old with no prescribed day recorded is routed directly",
        concern(age_in_months=60, compulsory_school_age_from=None),
        "routed",
        "sen-support",
        panel=False,
    ),
    Case(
        "a school-age child with SLCN at C&I range 3 is routed to slcn without screening",
        concern(need_codes=("SLCN",), ranges=(("C&I", 3),)),
        "routed",
        "slcn",
        panel=False,
    ),
    Case(
        "a school-age child at C&L range 3 is routed to SEN support",
        concern(),
        "routed",
        "sen-support",
        panel=False,
    ),
    Case(
        "a school-age child at SEMH range 4 is routed to outreach as high priority",
        concern(need_codes=("SEMH",), ranges=(("SEMH", 4),)),
        "routed",
        "outreach",
        panel=False,
        priority="high",
    ),
    Case(
        "an autistic child at C&I range 4 with SLCN goes to outreach, not slcn",
        concern(need_codes=("ASD", "SLCN"), ranges=(("C&I", 4),)),
        "routed",
        "outreach",
        panel=False,
        priority="high",
    ),
    Case(
        "a school-age child at range 2 gets universal advice",
        concern(need_codes=("SPLD",), ranges=(("C&L", 2),), tried_for_weeks=None),
        "routed",
        "universal-advice",
        panel=False,
    ),
    Case(
        "a school-age child at range 1 gets universal advice",
        concern(need_codes=("VI",), ranges=(("S&P", 1),), tried_for_weeks=None),
        "routed",
        "universal-advice",
        panel=False,
    ),
    # --- statutory threshold ------------------------------------------------------------------
    Case(
        "a school-age child at range 5 is routed to the statutory pathway",
        concern(need_codes=("PD",), ranges=(("S&P", 5),)),
        "routed",
        "statutory",
        panel=False,
        priority="high",
        statutory=True,
    ),
    Case(
        "two areas at range 4 meet the statutory threshold",
        concern(need_codes=("ASD", "SEMH"), ranges=(("C&I", 4), ("SEMH", 4))),
        "routed",
        "statutory",
        panel=False,
        priority="high",
        statutory=True,
    ),
    Case(
        "one area at range 4 and another at 3 does not meet the statutory threshold",
        concern(need_codes=("ASD", "SEMH"), ranges=(("C&I", 4), ("SEMH", 3))),
        "routed",
        "outreach",
        panel=False,
        priority="high",
    ),
    # --- priority from the referrer's urgency --------------------------------------------------
    Case(
        "an urgent referrer raises routine SEN support to urgent",
        concern(urgency="urgent"),
        "routed",
        "sen-support",
        panel=False,
        priority="urgent",
    ),
    Case(
        "a high-urgency referrer raises universal advice to high",
        concern(ranges=(("C&L", 2),), urgency="high"),
        "routed",
        "universal-advice",
        panel=False,
        priority="high",
    ),
    Case(
        "a routine referrer never lowers the high priority of outreach",
        concern(need_codes=("SEMH",), ranges=(("SEMH", 4),), urgency="routine"),
        "routed",
        "outreach",
        panel=False,
        priority="high",
    ),
    # --- safeguarding ----------------------------------------------------------------------
    Case(
        "a safeguarding flag is escalated, never routed as SEND",
        concern(safeguarding=True),
        "safeguarding",
        None,
        panel=False,
        priority="urgent",
    ),
    Case(
        "a safeguarding flag on an incomplete toddler concern is still escalated at once",
        toddler(safeguarding=True, need_codes=(), screening=()),
        "safeguarding",
        None,
        panel=False,
        priority="urgent",
    ),
    # --- missing evidence ------------------------------------------------------------------
    Case(
        "a concern without need codes goes back for more information",
        concern(need_codes=()),
        "more-information-needed",
        None,
        panel=False,
    ),
    Case(
        "a need code without a range for its area goes back for more information",
        concern(need_codes=("MLD", "SEMH")),
        "more-information-needed",
        None,
        panel=False,
    ),
    Case(
        "range 3 without anything tried goes back for more information",
        concern(tried_for_weeks=None),
        "more-information-needed",
        None,
        panel=False,
    ),
    Case(
        "range 3 with only four weeks tried goes back for more information",
        concern(tried_for_weeks=4),
        "more-information-needed",
        None,
        panel=False,
    ),
    Case(
        "a toddler's C&I concern without WellComm or ASQ-3 goes back for more information",
        toddler(screening=()),
        "more-information-needed",
        None,
        panel=False,
    ),
    Case(
        "a concern with neither age nor prescribed day goes back for more information",
        concern(age_in_months=None, compulsory_school_age_from=None),
        "more-information-needed",
        None,
        panel=False,
    ),
    Case(
        "an urgent concern sent back keeps the referrer's urgency",
        concern(need_codes=(), urgency="urgent"),
        "more-information-needed",
        None,
        panel=False,
        priority="urgent",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.story for case in CASES])
def test_the_default_policy_decides_each_case_as_the_table_says(
    default_policy: Policy, case: Case
) -> None:
    decision = evaluate(default_policy, case.facts, TODAY)

    assert (decision.outcome, decision.pathway, decision.panel_required) == (
        case.outcome,
        case.pathway,
        case.panel,
    )
    assert decision.priority == case.priority
    assert decision.statutory_recommended is case.statutory
    assert decision.policy_version == "default-2026.1"


@pytest.mark.parametrize(
    ("facts", "expected_missing"),
    [
        (
            concern(need_codes=()),
            [
                "At least one need code (for example SLCN, SEMH or MLD) saying what the concern is "
                "about."
            ],
        ),
        (
            concern(need_codes=("MLD", "SEMH")),
            [
                "A range (level of need, 1 to 7) for social, emotional and mental health (SEMH), "
                "because the need code SEMH was raised."
            ],
        ),
        (
            concern(tried_for_weeks=None),
            [
                "What has been tried, and for how long: a range of 3 or above needs support tried "
                "for at least 6 weeks, and none was recorded."
            ],
        ),
        (
            concern(tried_for_weeks=4),
            [
                "What has been tried, and for how long: a range of 3 or above needs support tried "
                "for at least 6 weeks, and 4 weeks was recorded."
            ],
        ),
        (
            toddler(screening=()),
            [
                "A WellComm or ASQ-3 screening result for communication and interaction (C&I), "
                "which the council needs for children under 60 months."
            ],
        ),
        (
            toddler(need_codes=("DS",), ranges=(), screening=()),
            ["A range (level of need, 1 to 7) for at least one area of need."],
        ),
    ],
    ids=[
        "need code",
        "range for area",
        "nothing tried",
        "too little tried",
        "screening",
        "any range",
    ],
)
def test_more_information_lists_exactly_what_is_missing(
    default_policy: Policy, facts: ConcernFacts, expected_missing: list[str]
) -> None:
    decision = evaluate(default_policy, facts, TODAY)

    assert decision.outcome == "more-information-needed"
    assert list(decision.missing) == expected_missing
    assert expected_missing[0] in decision.reasons[0].text


def test_several_missing_pieces_are_all_listed(default_policy: Policy) -> None:
    facts = toddler(need_codes=("SLCN", "MLD"), screening=(), tried_for_weeks=2)

    missing = evaluate(default_policy, facts, TODAY).missing

    assert len(missing) == 3
    assert "cognition and learning (C&L)" in missing[0]
    assert "2 weeks was recorded" in missing[1]
    assert "WellComm or ASQ-3" in missing[2]


def test_a_routed_decision_quotes_the_rule_and_the_descriptor_for_the_highest_range(
    default_policy: Policy,
) -> None:
    facts = concern(need_codes=("SEMH", "MLD"), ranges=(("SEMH", 4), ("C&L", 2)))

    decision = evaluate(default_policy, facts, TODAY)

    rules = [reason.rule for reason in decision.reasons]
    assert rules == ["outreach-range-4", "areas.SEMH.levels.4"]
    descriptor = default_policy.area("SEMH").descriptor(4)
    assert decision.reasons[1].text == f"Social, emotional and mental health, range 4: {descriptor}"


def test_every_area_tied_at_the_highest_range_has_its_descriptor_quoted(
    default_policy: Policy,
) -> None:
    facts = concern(need_codes=("MLD", "SEMH"), ranges=(("C&L", 3), ("SEMH", 3)))

    rules = [reason.rule for reason in evaluate(default_policy, facts, TODAY).reasons]

    assert rules == ["sen-support-range-3", "areas.C&L.levels.3", "areas.SEMH.levels.3"]


def test_a_panel_decision_says_why_the_panel_decides(default_policy: Policy) -> None:
    decision = evaluate(default_policy, toddler(), TODAY)

    panel_reason = decision.reasons[-1]
    assert panel_reason.rule == "early-years-panel"
    assert "Early Years Inclusion Panel" in panel_reason.text


def test_the_statutory_threshold_is_given_as_a_reason_when_it_overrides_the_rule(
    default_policy: Policy,
) -> None:
    facts = concern(need_codes=("ASD", "SEMH"), ranges=(("C&I", 4), ("SEMH", 4)))

    decision = evaluate(default_policy, facts, TODAY)

    assert [r.rule for r in decision.reasons][:2] == ["outreach-range-4", "statutory-threshold"]


def test_a_raised_priority_says_the_referrer_raised_it(default_policy: Policy) -> None:
    decision = evaluate(default_policy, concern(urgency="urgent"), TODAY)

    assert decision.reasons[-1].rule == "referrer-urgency"
    assert "rather than routine" in decision.reasons[-1].text


def test_a_safeguarding_decision_names_the_safeguarding_front_door(default_policy: Policy) -> None:
    decision = evaluate(default_policy, concern(safeguarding=True), TODAY)

    assert decision.missing == ()
    assert decision.reasons[0].rule == "safeguarding"
    assert "safeguarding front door (MASH)" in decision.reasons[0].text
    assert not decision.statutory_recommended


# --- changing the policy data changes the routing ------------------------------------------


def decide(policy: Policy, facts: ConcernFacts) -> tuple[str, str | None]:
    decision: TriageDecision = evaluate(policy, facts, TODAY)
    return decision.outcome, decision.pathway


def test_council_b_sends_range_4_learning_needs_to_sen_support_and_panels_school_age(
    default_policy: Policy, council_b: Policy
) -> None:
    facts = concern(ranges=(("C&L", 4),), tried_for_weeks=12)

    assert decide(default_policy, facts) == ("routed", "outreach")
    assert decide(council_b, facts) == ("panel", "sen-support")


def test_council_b_sends_range_4_semh_to_outreach_like_the_default(
    default_policy: Policy, council_b: Policy
) -> None:
    facts = concern(need_codes=("SEMH",), ranges=(("SEMH", 4),), tried_for_weeks=12)

    assert decide(default_policy, facts)[1] == decide(council_b, facts)[1] == "outreach"


def test_council_b_keeps_range_5_out_of_the_statutory_pathway(
    default_policy: Policy, council_b: Policy
) -> None:
    facts = concern(need_codes=("PD",), ranges=(("S&P", 5),), tried_for_weeks=12)

    assert evaluate(default_policy, facts, TODAY).statutory_recommended
    assert not evaluate(council_b, facts, TODAY).statutory_recommended
    assert decide(council_b, facts) == ("panel", "outreach")


def test_council_b_asks_for_a_full_term_of_support_tried(council_b: Policy) -> None:
    decision = evaluate(council_b, concern(tried_for_weeks=8), TODAY)

    assert decision.outcome == "more-information-needed"
    assert "at least 12 weeks" in decision.missing[0]


def test_raising_the_statutory_threshold_in_the_data_changes_the_pathway(
    default_policy: Policy,
) -> None:
    facts = concern(need_codes=("ASD", "SEMH"), ranges=(("C&I", 4), ("SEMH", 4)))
    stricter = dataclasses.replace(
        default_policy,
        statutory_threshold=dataclasses.replace(
            default_policy.statutory_threshold, any_of=(AreasAtLeast(1, 5),)
        ),
    )

    assert decide(default_policy, facts) == ("routed", "statutory")
    assert decide(stricter, facts) == ("routed", "outreach")


def test_early_years_children_go_to_panel_whatever_the_policy_says(
    default_policy: Policy,
) -> None:
    assert not default_policy.panel.panel_for_school_age

    assert evaluate(default_policy, toddler(), TODAY).panel_required


def test_facts_with_a_range_outside_1_to_7_are_refused() -> None:
    with pytest.raises(ValueError, match="level 1-7"):
        concern(ranges=(("C&L", 8),))
