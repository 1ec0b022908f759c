"""A panel decision routes the referral, saying how it stands against the policy's recommendation."""

from __future__ import annotations

import pytest

from triage.domain.engine import Reason
from triage.domain.exceptions import NotForThePanel
from triage.domain.panel import PanelDecision, TriageSoFar, route_after_panel

PANEL = "Early Years Inclusion Panel"
RECOMMENDED_SLCN = TriageSoFar("FD-AAAA-0001", "panel", "slcn", "slcn", "policy")
PANEL_SAYS = (Reason("panel", "Speech is improving; the family prefers a nursery-based plan."),)


def decision(pathway: str, corrects: str | None = None) -> PanelDecision:
    return PanelDecision("d-1", pathway, "high", PANEL_SAYS, corrects)


def test_a_panel_confirming_the_recommendation_says_so_and_keeps_its_reasons() -> None:
    routing = route_after_panel(RECOMMENDED_SLCN, decision("slcn"), PANEL)

    assert (routing.pathway, routing.priority, routing.confirmed) == ("slcn", "high", True)
    assert routing.reasons[0].rule == "panel-confirmed"
    assert "confirmed the policy's recommendation of the slcn pathway" in routing.reasons[0].text
    assert routing.reasons[1:] == PANEL_SAYS


def test_a_panel_overriding_the_recommendation_names_the_pathway_it_overrode() -> None:
    routing = route_after_panel(RECOMMENDED_SLCN, decision("sen-support"), PANEL)

    assert (routing.pathway, routing.confirmed) == ("sen-support", False)
    assert routing.reasons[0].rule == "panel-overridden"
    assert "recommendation of the slcn pathway and chose the sen-support pathway" in routing.reasons[0].text
    assert PANEL in routing.reasons[0].text


def test_a_correcting_decision_says_which_earlier_decision_it_replaces() -> None:
    after_first = TriageSoFar("FD-AAAA-0001", "panel", "slcn", "sen-support", "panel")

    routing = route_after_panel(after_first, decision("outreach", corrects="d-0"), PANEL)

    assert routing.pathway == "outreach"
    assert [r.rule for r in routing.reasons] == ["panel-overridden", "panel-correction", "panel"]
    assert "earlier decision (sen-support pathway)" in routing.reasons[1].text


def test_a_correction_back_to_the_recommendation_counts_as_confirming_it() -> None:
    after_first = TriageSoFar("FD-AAAA-0001", "panel", "slcn", "sen-support", "panel")

    routing = route_after_panel(after_first, decision("slcn", corrects="d-0"), PANEL)

    assert routing.confirmed
    assert [r.rule for r in routing.reasons][:2] == ["panel-confirmed", "panel-correction"]


def test_a_panel_deciding_without_a_recommendation_says_there_was_none() -> None:
    sent_back = TriageSoFar("FD-AAAA-0002", "more-information-needed", None, None, "policy")

    routing = route_after_panel(sent_back, decision("sen-support"), PANEL)

    assert routing.reasons[0].rule == "panel-decided"


def test_a_safeguarding_concern_is_never_routed_as_send_even_by_the_panel() -> None:
    escalated = TriageSoFar("FD-AAAA-0003", "safeguarding", None, None, "policy")

    with pytest.raises(NotForThePanel, match="FD-AAAA-0003"):
        route_after_panel(escalated, decision("slcn"), PANEL)
