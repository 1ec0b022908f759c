"""The rule engine: evaluate one concern against a council's ranges policy.

Whatever the policy says, four things always hold:
  (a) a safeguarding flag is escalated to the safeguarding front door, never routed as SEND;
  (b) a concern without the evidence the policy asks for goes back, saying exactly what is missing;
  (c) a child not yet of compulsory school age goes to the inclusion panel with a recommendation;
  (d) where the statutory threshold is met, the statutory pathway is recommended.
Within those, the first rule of the policy that matches the concern decides the pathway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from triage.domain.policy import (
    AREAS,
    LEVELS,
    NEED_CODE_AREAS,
    PRIORITIES,
    AreasAtLeast,
    Conditions,
    EvidenceRequirements,
    Policy,
    Rule,
    ScreeningMatch,
    ScreeningRequirement,
    StatutoryThreshold,
)

# Without the prescribed day, a child under 5 is treated as not yet of compulsory school age.
UNDER_FIVE_MONTHS = 60


@dataclass(frozen=True)
class ConcernFacts:
    """What the engine reads about a concern. No names, no contact details."""

    reference: str
    age_in_months: int | None
    pre_birth: bool
    compulsory_school_age_from: date | None
    need_codes: tuple[str, ...]
    ranges: tuple[tuple[str, int], ...]
    screening: tuple[tuple[str, str, str | None], ...]
    tried_for_weeks: int | None
    urgency: str
    safeguarding: bool

    def __post_init__(self) -> None:
        if self.urgency not in PRIORITIES:
            raise ValueError(f"urgency {self.urgency!r} is not one of {', '.join(PRIORITIES)}")
        if any(area not in AREAS or level not in LEVELS for area, level in self.ranges):
            raise ValueError(f"ranges must pair an area ({', '.join(AREAS)}) with a level 1-7")

    def range_for(self, area: str) -> int | None:
        levels = [level for named, level in self.ranges if named == area]
        return max(levels) if levels else None

    @property
    def highest_range(self) -> int:
        return max((level for _, level in self.ranges), default=0)

    @property
    def areas_named(self) -> tuple[str, ...]:
        areas = (NEED_CODE_AREAS.get(code) for code in self.need_codes)
        return tuple(dict.fromkeys(area for area in areas if area))


@dataclass(frozen=True)
class Reason:
    """A rule that fired, with the text behind it, readable by a family."""

    rule: str
    text: str


@dataclass(frozen=True)
class TriageDecision:
    outcome: str  # "routed" | "panel" | "more-information-needed" | "safeguarding"
    pathway: str | None
    priority: str
    reasons: tuple[Reason, ...]
    missing: tuple[str, ...]
    policy_version: str
    statutory_recommended: bool = False
    panel_required: bool = False


def evaluate(policy: Policy, facts: ConcernFacts, today: date) -> TriageDecision:
    """Decide what happens next for one concern, with the reasons a family can read."""
    if facts.safeguarding:
        return _escalate_safeguarding(policy, facts)
    missing = missing_evidence(policy, facts)
    if missing:
        return _ask_for_more(policy, facts, missing)
    return _route(policy, facts, today)


# --- (a) safeguarding -------------------------------------------------------------------------


def _escalate_safeguarding(policy: Policy, facts: ConcernFacts) -> TriageDecision:
    text = (
        f"A safeguarding concern was flagged, so this was escalated at once to "
        f"{policy.safeguarding_front_door} for a person there to act on. "
        "It is not routed as a SEND referral."
    )
    return TriageDecision(
        outcome="safeguarding",
        pathway=None,
        priority="urgent",
        reasons=(Reason("safeguarding", text),),
        missing=(),
        policy_version=policy.version,
    )


# --- (b) evidence -----------------------------------------------------------------------------


def missing_evidence(policy: Policy, facts: ConcernFacts) -> tuple[str, ...]:
    """Each piece of evidence the concern still needs, as a sentence for the referrer."""
    evidence = policy.evidence
    found = (
        _missing_age(facts),
        _missing_need_codes(evidence, facts),
        *_missing_ranges(policy, facts),
        _missing_tried(evidence, facts),
        _missing_screening(policy, facts),
    )
    return tuple(sentence for sentence in found if sentence)


def _missing_age(facts: ConcernFacts) -> str | None:
    if facts.pre_birth or facts.age_in_months is not None:
        return None
    if facts.compulsory_school_age_from is not None:
        return None
    return (
        "The child's age, or the date they reach compulsory school age, so the council knows "
        "whether the early-years panel decides."
    )


def _missing_need_codes(evidence: EvidenceRequirements, facts: ConcernFacts) -> str | None:
    wanted = evidence.need_codes_at_least
    if len(set(facts.need_codes)) >= wanted:
        return None
    amount = "At least one need code" if wanted == 1 else f"At least {wanted} need codes"
    return f"{amount} (for example SLCN, SEMH or MLD) saying what the concern is about."


def _missing_ranges(policy: Policy, facts: ConcernFacts) -> list[str]:
    if not policy.evidence.range_for_each_area_named:
        return []
    unranged = [area for area in facts.areas_named if facts.range_for(area) is None]
    sentences = [
        f"A range (level of need, 1 to 7) for {_area_name(policy, area)}, because the need "
        f"code {' and '.join(_codes_in(area, facts))} was raised."
        for area in unranged
    ]
    if not facts.ranges and not unranged:
        sentences.append("A range (level of need, 1 to 7) for at least one area of need.")
    return sentences


def _area_name(policy: Policy, area: str) -> str:
    return f"{policy.area(area).name.lower()} ({area})"


def _codes_in(area: str, facts: ConcernFacts) -> list[str]:
    return [code for code in facts.need_codes if NEED_CODE_AREAS.get(code) == area]


def _missing_tried(evidence: EvidenceRequirements, facts: ConcernFacts) -> str | None:
    tried = evidence.tried
    if tried is None or facts.pre_birth or facts.highest_range < tried.from_range:
        return None
    weeks = facts.tried_for_weeks
    if weeks is not None and weeks >= tried.weeks_at_least:
        return None
    recorded = "none was recorded" if weeks is None else f"{_weeks(weeks)} was recorded"
    return (
        f"What has been tried, and for how long: a range of {tried.from_range} or above needs "
        f"support tried for at least {_weeks(tried.weeks_at_least)}, and {recorded}."
    )


def _weeks(count: int) -> str:
    return "1 week" if count == 1 else f"{count} weeks"


def _missing_screening(policy: Policy, facts: ConcernFacts) -> str | None:
    needed = policy.evidence.screening
    if needed is None or facts.pre_birth or facts.age_in_months is None:
        return None
    if facts.age_in_months >= needed.age_months_below:
        return None
    concern_areas = set(facts.areas_named) | {area for area, _ in facts.ranges}
    areas = [area for area in needed.areas if area in concern_areas]
    if not areas or _has_screening(needed, areas, facts):
        return None
    named = " and ".join(_area_name(policy, area) for area in areas)
    return (
        f"A {' or '.join(needed.tools)} screening result for {named}, which the council "
        f"needs for children under {needed.age_months_below} months."
    )


def _has_screening(needed: ScreeningRequirement, areas: list[str], facts: ConcernFacts) -> bool:
    return any(
        tool in needed.tools and (area is None or area in areas)
        for tool, _outcome, area in facts.screening
    )


def _ask_for_more(policy: Policy, facts: ConcernFacts, missing: tuple[str, ...]) -> TriageDecision:
    text = "The council needs more information before it can decide: " + " ".join(missing)
    return TriageDecision(
        outcome="more-information-needed",
        pathway=None,
        priority=facts.urgency,
        reasons=(Reason("evidence", text),),
        missing=missing,
        policy_version=policy.version,
    )


# --- rules ------------------------------------------------------------------------------------


def first_matching_rule(policy: Policy, facts: ConcernFacts) -> Rule:
    """The first rule, in policy order, whose conditions the concern meets."""
    return next(rule for rule in policy.rules if rule.fallback or matches(rule.conditions, facts))


def matches(conditions: Conditions, facts: ConcernFacts) -> bool:
    """True when the concern meets every condition the rule sets."""
    return all(
        (
            _range_at_least(conditions, facts),
            _highest_range_between(conditions, facts),
            _any_need_code(conditions, facts),
            _any_area(conditions, facts),
            _any_screening(conditions.screening_any, facts),
            _age_below(conditions.age_months_below, facts),
            _age_at_least(conditions.age_months_at_least, facts),
        )
    )


def _range_at_least(conditions: Conditions, facts: ConcernFacts) -> bool:
    wanted = conditions.any_area_range_at_least
    if wanted is None:
        return True
    areas = conditions.areas_any
    return any(level >= wanted for area, level in facts.ranges if not areas or area in areas)


def _highest_range_between(conditions: Conditions, facts: ConcernFacts) -> bool:
    if conditions.max_range_between is None:
        return True
    low, high = conditions.max_range_between
    return low <= facts.highest_range <= high


def _any_need_code(conditions: Conditions, facts: ConcernFacts) -> bool:
    wanted = conditions.need_codes_any
    return not wanted or any(code in wanted for code in facts.need_codes)


def _any_area(conditions: Conditions, facts: ConcernFacts) -> bool:
    wanted = conditions.areas_any
    return not wanted or any(area in wanted for area, _ in facts.ranges)


def _any_screening(wanted: tuple[ScreeningMatch, ...], facts: ConcernFacts) -> bool:
    return not wanted or any(
        match.tool == tool and match.outcome == outcome and match.area in (None, area)
        for match in wanted
        for tool, outcome, area in facts.screening
    )


def _age_below(months: int | None, facts: ConcernFacts) -> bool:
    if months is None or facts.pre_birth:
        return True
    return facts.age_in_months is not None and facts.age_in_months < months


def _age_at_least(months: int | None, facts: ConcernFacts) -> bool:
    if months is None:
        return True
    return not facts.pre_birth and facts.age_in_months is not None and facts.age_in_months >= months


# --- (d) statutory threshold ------------------------------------------------------------------


def statutory_threshold_met(threshold: StatutoryThreshold, facts: ConcernFacts) -> bool:
    return any(_areas_at_least(test, facts) for test in threshold.any_of)


def _areas_at_least(test: AreasAtLeast, facts: ConcernFacts) -> bool:
    levels = {area: level for area, level in facts.ranges if level >= test.range_at_least}
    return len(levels) >= test.areas


# --- (c) panel --------------------------------------------------------------------------------


def not_yet_compulsory_school_age(facts: ConcernFacts, today: date) -> bool:
    """Early years: before the prescribed day, pre-birth, or under 5 when the day is unknown."""
    if facts.pre_birth:
        return True
    if facts.compulsory_school_age_from is not None:
        return today < facts.compulsory_school_age_from
    return facts.age_in_months is not None and facts.age_in_months < UNDER_FIVE_MONTHS


def _panel_reasons(policy: Policy, early_years: bool) -> tuple[Reason, ...]:
    if early_years:
        text = (
            f"The child is not yet of compulsory school age, so the {policy.panel.name} agrees "
            "the support; the pathway given is the recommendation it starts from."
        )
        return (Reason("early-years-panel", text),)
    if policy.panel.panel_for_school_age:
        text = f"This council takes school-age children to the {policy.panel.name} too."
        return (Reason("school-age-panel", text),)
    return ()


# --- routing ----------------------------------------------------------------------------------


def _route(policy: Policy, facts: ConcernFacts, today: date) -> TriageDecision:
    rule = first_matching_rule(policy, facts)
    threshold_met = statutory_threshold_met(policy.statutory_threshold, facts)
    pathway = "statutory" if threshold_met else rule.result.pathway
    policy_priority = _policy_priority(policy, rule, threshold_met)
    early_years = not_yet_compulsory_school_age(facts, today)
    panel = early_years or policy.panel.panel_for_school_age
    return TriageDecision(
        outcome="panel" if panel else "routed",
        pathway=pathway,
        priority=most_urgent(policy_priority, facts.urgency),
        reasons=(
            Reason(rule.id, rule.description),
            *_threshold_reasons(policy.statutory_threshold, rule, threshold_met),
            *descriptor_reasons(policy, facts),
            *_panel_reasons(policy, early_years),
            *_urgency_reasons(policy_priority, facts.urgency),
        ),
        missing=(),
        policy_version=policy.version,
        statutory_recommended=pathway == "statutory",
        panel_required=panel,
    )


def _policy_priority(policy: Policy, rule: Rule, threshold_met: bool) -> str:
    if threshold_met:
        return most_urgent(rule.result.priority, policy.statutory_threshold.priority)
    return rule.result.priority


def most_urgent(*priorities: str) -> str:
    """The most urgent of the priorities given (urgent > high > routine)."""
    return min(priorities, key=PRIORITIES.index)


def _threshold_reasons(threshold: StatutoryThreshold, rule: Rule, met: bool) -> tuple[Reason, ...]:
    if not met or rule.result.pathway == "statutory":
        return ()
    return (Reason("statutory-threshold", threshold.description),)


def descriptor_reasons(policy: Policy, facts: ConcernFacts) -> tuple[Reason, ...]:
    """The council's descriptor for each area at the child's highest range."""
    highest = facts.highest_range
    areas = [scale for scale in policy.areas if facts.range_for(scale.code) == highest]
    return tuple(
        Reason(
            f"areas.{scale.code}.levels.{highest}",
            f"{scale.name}, range {highest}: {scale.descriptor(highest)}",
        )
        for scale in areas
    )


def _urgency_reasons(policy_priority: str, urgency: str) -> tuple[Reason, ...]:
    if most_urgent(policy_priority, urgency) == policy_priority:
        return ()
    text = (
        f"The referrer judged this {urgency}, so it is handled as {urgency} "
        f"rather than {policy_priority}."
    )
    return (Reason("referrer-urgency", text),)
