"""What a decision of the inclusion panel does to a concern's routing.

The panel has the last word for children it sees: its pathway and priority replace the
policy's recommendation. The routed referral then says who decided and why: whether the panel
confirmed or overrode the recommendation (and which pathway that was), whether this decision
corrects an earlier one, and the panel's own reasons. A safeguarding concern is never routed as
SEND, whatever a decision says.

Pure Python: no I/O and no framework imports.
"""

from __future__ import annotations

from dataclasses import dataclass

from triage.domain.engine import Reason
from triage.domain.exceptions import NotForThePanel


@dataclass(frozen=True)
class TriageSoFar:
    """What triage has recorded for the concern before this decision."""

    reference: str
    outcome: str
    recommended_pathway: str | None
    pathway: str | None
    decided_by: str


@dataclass(frozen=True)
class PanelDecision:
    decision_id: str
    pathway: str
    priority: str
    reasons: tuple[Reason, ...]
    corrects_decision_id: str | None = None


@dataclass(frozen=True)
class PanelRouting:
    """Where the panel's decision sends the referral, with every reason a reader needs."""

    pathway: str
    priority: str
    reasons: tuple[Reason, ...]
    confirmed: bool


def route_after_panel(so_far: TriageSoFar, decision: PanelDecision, panel_name: str) -> PanelRouting:
    """Route as the panel decided, saying how that stands against the policy's recommendation."""
    if so_far.outcome == "safeguarding":
        raise NotForThePanel(
            f"concern {so_far.reference} was escalated for safeguarding; a panel decision "
            "cannot route it as SEND"
        )
    confirmed = decision.pathway == so_far.recommended_pathway
    return PanelRouting(
        pathway=decision.pathway,
        priority=decision.priority,
        reasons=(
            _against_recommendation(so_far.recommended_pathway, decision.pathway, panel_name),
            *_correction(so_far, decision),
            *decision.reasons,
        ),
        confirmed=confirmed,
    )


def _against_recommendation(recommended: str | None, pathway: str, panel_name: str) -> Reason:
    if recommended == pathway:
        text = f"The {panel_name} confirmed the policy's recommendation of the {pathway} pathway."
        return Reason("panel-confirmed", text)
    if recommended is None:
        text = f"The {panel_name} chose the {pathway} pathway; the policy had made no recommendation."
        return Reason("panel-decided", text)
    text = (
        f"The {panel_name} overrode the policy's recommendation of the {recommended} pathway "
        f"and chose the {pathway} pathway."
    )
    return Reason("panel-overridden", text)


def _correction(so_far: TriageSoFar, decision: PanelDecision) -> tuple[Reason, ...]:
    if decision.corrects_decision_id is None:
        return ()
    earlier = f" ({so_far.pathway} pathway)" if so_far.decided_by == "panel" and so_far.pathway else ""
    text = f"This decision corrects the panel's earlier decision{earlier}, which no longer stands."
    return (Reason("panel-correction", text),)
