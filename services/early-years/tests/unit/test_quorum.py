"""The quorum rule: enough members, from enough agencies, the chair among them (configurable)."""

from __future__ import annotations

import pytest

from early_years.domain.quorum import Attendee, QuorumRule

CHAIR = Attendee("panel-chair", "send", chair=True)
HEALTH = Attendee("panel-health", "health")
SLT = Attendee("panel-slt", "speech-and-language")
SLT_AS_HEALTH = Attendee("panel-slt", "health")
EARLY_YEARS = Attendee("panel-early-years", "early-years")


@pytest.mark.parametrize(("present", "rule", "quorate"), [
    ([CHAIR, HEALTH, SLT], QuorumRule(), True),
    ([CHAIR, HEALTH, SLT_AS_HEALTH], QuorumRule(), True),
    ([CHAIR, HEALTH], QuorumRule(), False),
    ([HEALTH, SLT, EARLY_YEARS], QuorumRule(), False),
    ([CHAIR, Attendee("a", "send"), Attendee("b", "send")], QuorumRule(), False),
    ([], QuorumRule(), False),
    ([HEALTH, SLT, EARLY_YEARS], QuorumRule(chair_required=False), True),
    ([CHAIR, HEALTH, SLT], QuorumRule(min_members=4), False),
    ([CHAIR, HEALTH, SLT, EARLY_YEARS], QuorumRule(min_members=4, min_agencies=4), True),
    ([CHAIR, HEALTH], QuorumRule(min_members=2, min_agencies=2), True),
], ids=["three-from-three", "three-from-two", "two-members", "no-chair", "one-agency", "nobody",
        "chair-not-required", "four-needed", "four-from-four", "smaller-panel"])
def test_the_quorum_rule_table(present: list[Attendee], rule: QuorumRule, quorate: bool) -> None:
    assert rule.check(present).quorate is quorate


def test_the_same_member_counted_twice_is_one_member() -> None:
    assert QuorumRule().check([CHAIR, HEALTH, HEALTH]).members == 2


def test_a_panel_without_quorum_says_what_it_needs_and_who_is_there() -> None:
    text = QuorumRule().check([HEALTH, SLT_AS_HEALTH]).explanation()
    assert text == ("The panel is not quorate: it needs at least 3 members from at least 2 agencies, the chair "
                    "among them. Present: 2 members from 1 agency; the chair must be present.")


def test_a_quorate_panel_says_who_is_there() -> None:
    assert QuorumRule().check([CHAIR, HEALTH, SLT]).explanation() == (
        "The panel is quorate: present: 3 members from 3 agencies.")
