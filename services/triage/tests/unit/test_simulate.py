"""What-if simulation, on stored rows held in memory (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from frontdoor_shared.contracts import ConcernSubmittedV1
from triage.adapters.policy_loader import load_policy, shipped_policy
from triage.domain.policy import Policy
from triage.service_layer.events import stored_facts
from triage.service_layer.simulate import Placement, Simulation, StoredTriage, simulate

TRIAGED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def council_b() -> Policy:
    return load_policy(shipped_policy("example-council-b"))


@pytest.fixture(scope="module")
def default_policy() -> Policy:
    return load_policy(shipped_policy("default"))


def stored(data: ConcernSubmittedV1, outcome: str, pathway: str | None,
           at: datetime = TRIAGED) -> StoredTriage:
    return StoredTriage(data.reference, outcome, pathway, stored_facts(data), at)


def population(submitted: Any) -> list[StoredTriage]:
    """Six concerns as the default policy triaged them; see the expectations under Council B."""
    return [
        stored(submitted(ranges=[{"area": "C&L", "range": 4}], tried_for_weeks=12), "routed", "outreach"),
        stored(submitted(need_codes=["PD"], ranges=[{"area": "S&P", "range": 5}], tried_for_weeks=12),
               "routed", "statutory"),
        stored(submitted(need_codes=["SEMH"], ranges=[{"area": "SEMH", "range": 4}], tried_for_weeks=12),
               "routed", "outreach"),
        stored(submitted(), "routed", "sen-support"),  # 8 weeks tried: Council B wants 12
        stored(submitted(age_in_months=30, compulsory_school_age_from=None, need_codes=["SLCN"],
                         ranges=[{"area": "C&I", "range": 3}],
                         screening=[{"tool": "WellComm", "outcome": "amber", "area": "C&I"}],
                         tried_for_weeks=12),
               "panel", "slcn"),
        stored(submitted(safeguarding=True), "safeguarding", None),
    ]


def test_simulate_counts_each_move_from_one_placement_to_another(council_b: Policy, submitted: Any) -> None:
    report = simulate(council_b, population(submitted))

    assert (report.total, report.pathway_changed, report.changed) == (6, 3, 4)
    assert report.transitions == {
        (Placement("routed", "outreach"), Placement("panel", "sen-support")): 1,
        (Placement("routed", "statutory"), Placement("panel", "outreach")): 1,
        (Placement("routed", "outreach"), Placement("panel", "outreach")): 1,
        (Placement("routed", "sen-support"), Placement("more-information-needed", None)): 1,
        (Placement("panel", "slcn"), Placement("panel", "slcn")): 1,
        (Placement("safeguarding", None), Placement("safeguarding", None)): 1,
    }
    assert report.policy_version == "council-b-2026.1"


def test_re_running_the_same_policy_changes_nothing(default_policy: Policy, submitted: Any) -> None:
    report = simulate(default_policy, population(submitted))

    assert (report.total, report.changed) == (6, 0)


def test_the_table_lists_changes_first(council_b: Policy, submitted: Any) -> None:
    rows = simulate(council_b, population(submitted)).rows()

    changed = [old != new for old, new, _ in rows]
    assert changed == sorted(changed, reverse=True)
    assert sum(n for _, _, n in rows) == 6


def test_ages_are_judged_as_of_the_triage_date_unless_told_otherwise(
        default_policy: Policy, submitted: Any) -> None:
    starts_school_in_september = submitted(age_in_months=58, compulsory_school_age_from=date(2026, 9, 1),
                                           need_codes=["SEMH"], ranges=[{"area": "SEMH", "range": 4}])
    rows = [stored(starts_school_in_september, "panel", "outreach")]

    assert simulate(default_policy, rows).changed == 0
    later = simulate(default_policy, rows, as_of=date(2026, 10, 1))
    assert later.transitions == {(Placement("panel", "outreach"), Placement("routed", "outreach")): 1}
    assert later.pathway_changed == 0


def test_a_row_whose_facts_cannot_be_read_is_reported_not_fatal(default_policy: Policy, submitted: Any) -> None:
    broken = StoredTriage("FD-BROK-0001", "routed", "slcn", {"reference": "FD-BROK-0001"}, TRIAGED)
    simulation = Simulation(default_policy)

    assert simulation.compare(broken) is None
    assert simulation.compare(stored(submitted(), "routed", "sen-support")) is not None
    assert simulation.report.unreadable == ["FD-BROK-0001"]
    assert simulation.report.total == 1


def test_each_comparison_says_whether_the_pathway_moved(council_b: Policy, submitted: Any) -> None:
    simulation = Simulation(council_b)

    compared = simulation.compare(population(submitted)[2])

    assert compared is not None
    assert compared.changed
    assert not compared.pathway_changed
