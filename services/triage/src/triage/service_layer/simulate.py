"""What-if: re-run stored concerns under another policy and count what would change.

Pure comparison logic (no I/O): the CLI (`entrypoints/cli.py`) streams the stored rows in and
prints the report. A stored row holds the facts triage kept (the submitted concern without the
sealed recipients), the outcome it gave and the pathway the policy recommended then, which is
what a policy change would move (a panel's later decision is not the policy's doing).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from frontdoor_shared.contracts import ConcernSubmittedV1
from triage.domain.engine import evaluate
from triage.domain.policy import Policy
from triage.service_layer.events import facts_from


@dataclass(frozen=True)
class StoredTriage:
    reference: str
    outcome: str
    pathway: str | None
    facts: Mapping[str, Any]
    triaged_at: datetime


@dataclass(frozen=True)
class Placement:
    """Where a concern went: the outcome and the pathway (none when sent back or escalated)."""

    outcome: str
    pathway: str | None


@dataclass(frozen=True)
class Comparison:
    reference: str
    old: Placement
    new: Placement

    @property
    def changed(self) -> bool:
        return self.old != self.new

    @property
    def pathway_changed(self) -> bool:
        return self.old.pathway != self.new.pathway


@dataclass
class SimulationReport:
    policy_version: str
    as_of: date | None
    transitions: Counter[tuple[Placement, Placement]] = field(default_factory=Counter)
    unreadable: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.transitions.values())

    @property
    def changed(self) -> int:
        """Concerns whose outcome or pathway would differ."""
        return sum(n for (old, new), n in self.transitions.items() if old != new)

    @property
    def pathway_changed(self) -> int:
        return sum(n for (old, new), n in self.transitions.items() if old.pathway != new.pathway)

    def rows(self) -> list[tuple[Placement, Placement, int]]:
        """Every from -> to pair with its count: changes first, then most common first."""
        pairs = [(old, new, n) for (old, new), n in self.transitions.items()]
        return sorted(pairs, key=lambda p: (p[0] == p[1], -p[2], _sortable(p[0]), _sortable(p[1])))


def _sortable(placement: Placement) -> tuple[str, str]:
    return placement.outcome, placement.pathway or ""


class Simulation:
    """Compares one stored row at a time, so a long run can show progress and stream its CSV."""

    def __init__(self, policy: Policy, as_of: date | None = None) -> None:
        self.policy = policy
        self.as_of = as_of
        self.report = SimulationReport(policy.version, as_of)

    def compare(self, row: StoredTriage) -> Comparison | None:
        """Re-decide one concern; None (and noted as unreadable) when its facts cannot be read."""
        try:
            facts = facts_from(ConcernSubmittedV1.model_validate(row.facts))
        except ValueError:  # pydantic's ValidationError too: facts stored under an older shape
            self.report.unreadable.append(row.reference)
            return None
        decision = evaluate(self.policy, facts, self.as_of or row.triaged_at.date())
        comparison = Comparison(row.reference, Placement(row.outcome, row.pathway),
                                Placement(decision.outcome, decision.pathway))
        self.report.transitions[(comparison.old, comparison.new)] += 1
        return comparison


def simulate(policy: Policy, rows: Iterable[StoredTriage], as_of: date | None = None) -> SimulationReport:
    """Re-run every row under `policy`, as of each row's triage date unless `as_of` is given."""
    simulation = Simulation(policy, as_of)
    for row in rows:
        simulation.compare(row)
    return simulation.report
