"""The council's ranges policy, held as data.

A council publishes descriptors of need per broad area at levels ("ranges") 1 to 7, says what
evidence a concern must carry, when a statutory assessment is considered and how concerns are
routed. All of that varies by council, so none of it is a constant here: it is read from a
policy file (see ``triage/policies/*.yaml`` and ``triage.adapters.policy_loader``).

Pure Python: no I/O and no framework imports, so the engine can be tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

AREAS: tuple[str, ...] = ("C&I", "C&L", "SEMH", "S&P")
LEVELS: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)
PATHWAYS: tuple[str, ...] = ("slcn", "outreach", "sen-support", "statutory", "universal-advice")
PRIORITIES: tuple[str, ...] = ("urgent", "high", "routine")

# Need code -> broad area (None: cross-cutting, or census-only). From send-rules.md.
NEED_CODE_AREAS: dict[str, str | None] = {
    "SPLD": "C&L",
    "MLD": "C&L",
    "SLD": "C&L",
    "PMLD": "C&L",
    "SEMH": "SEMH",
    "SLCN": "C&I",
    "ASD": "C&I",
    "HI": "S&P",
    "VI": "S&P",
    "MSI": "S&P",
    "PD": "S&P",
    "DS": None,
    "OTH": None,
    "NSA": None,
}

# Screening tool -> the outcome bands it reports (the names intake accepts).
SCREENING_OUTCOMES: dict[str, tuple[str, ...]] = {
    "WellComm": ("red", "amber", "green"),
    "ASQ-3": ("below-cutoff", "monitoring", "above-cutoff"),
    "ASQ:SE-2": ("below-cutoff", "monitoring", "above-cutoff"),
}


@dataclass(frozen=True)
class AreaScale:
    """One broad area of need with a plain-English descriptor for each range 1..7."""

    code: str
    name: str
    descriptors: tuple[str, ...]

    def descriptor(self, level: int) -> str:
        return self.descriptors[level - 1]


@dataclass(frozen=True)
class TriedRequirement:
    """From this range upwards, support must have been tried for at least so many weeks."""

    from_range: int
    weeks_at_least: int


@dataclass(frozen=True)
class ScreeningRequirement:
    """Young children with a concern in these areas need a result from one of these tools."""

    areas: tuple[str, ...]
    age_months_below: int
    tools: tuple[str, ...]


@dataclass(frozen=True)
class EvidenceRequirements:
    """What a concern must carry before it can be routed."""

    need_codes_at_least: int = 1
    range_for_each_area_named: bool = True
    tried: TriedRequirement | None = None
    screening: ScreeningRequirement | None = None


@dataclass(frozen=True)
class PanelSettings:
    """The inclusion panel. Children not yet of compulsory school age always go to it."""

    name: str = "early-years inclusion panel"
    panel_for_school_age: bool = False


@dataclass(frozen=True)
class AreasAtLeast:
    """Met when at least ``areas`` areas of need sit at ``range_at_least`` or above."""

    areas: int
    range_at_least: int


@dataclass(frozen=True)
class StatutoryThreshold:
    """When an EHC needs assessment is recommended: any one of ``any_of`` holding is enough."""

    description: str
    any_of: tuple[AreasAtLeast, ...]
    priority: str = "high"


@dataclass(frozen=True)
class ScreeningMatch:
    """A screening result a rule looks for; ``area`` None matches a result for any area."""

    tool: str
    outcome: str
    area: str | None = None


@dataclass(frozen=True)
class Conditions:
    """What a rule needs, all together. An unset condition does not restrict.

    ``areas_any`` narrows ``any_area_range_at_least`` to the named areas; on its own it means
    the concern has a range for one of them. ``max_range_between`` reads the child's highest
    range over every area.
    """

    any_area_range_at_least: int | None = None
    max_range_between: tuple[int, int] | None = None
    need_codes_any: tuple[str, ...] = ()
    areas_any: tuple[str, ...] = ()
    screening_any: tuple[ScreeningMatch, ...] = ()
    age_months_below: int | None = None
    age_months_at_least: int | None = None


@dataclass(frozen=True)
class RuleResult:
    pathway: str
    priority: str


@dataclass(frozen=True)
class Rule:
    """One routing rule; ``description`` is the council's guidance text shown to families."""

    id: str
    description: str
    result: RuleResult
    conditions: Conditions = field(default_factory=Conditions)
    fallback: bool = False


@dataclass(frozen=True)
class Policy:
    """A council's whole ranges policy. Rules are tried in order; the first match wins."""

    council: str
    version: str
    areas: tuple[AreaScale, ...]
    evidence: EvidenceRequirements
    panel: PanelSettings
    statutory_threshold: StatutoryThreshold
    rules: tuple[Rule, ...]
    safeguarding_front_door: str = "the council's safeguarding front door"

    def __post_init__(self) -> None:
        if tuple(scale.code for scale in self.areas) != AREAS:
            raise ValueError(f"a policy describes the areas {', '.join(AREAS)}, in that order")
        if [rule.fallback for rule in self.rules].count(True) != 1 or not self.rules[-1].fallback:
            raise ValueError("a policy needs exactly one fallback rule, and it must come last")

    def area(self, code: str) -> AreaScale:
        return self.areas[AREAS.index(code)]
