"""Reading status events: which kind each is, the journey facts and the template values it gives."""

from __future__ import annotations

from typing import Any

from frontdoor_shared.contracts import (
    ActionAssignedV1,
    ActionOverdueV1,
    CaseListedV1,
    ConcernSubmittedV1,
    ConcernTriagedV1,
    Contract,
    PanelDecisionV2,
    SafeguardingEscalatedV1,
)
from frontdoor_shared.envelope import CloudEvent
from notifications.domain import messages as m
from notifications.domain.journey import Facts, Step, step_for

CONSUMED: tuple[type[Contract], ...] = (
    ConcernSubmittedV1, ConcernTriagedV1, SafeguardingEscalatedV1, CaseListedV1, PanelDecisionV2,
    ActionAssignedV1, ActionOverdueV1,
)
KIND_OF: dict[type[Contract], str] = {
    ConcernSubmittedV1: m.SUBMITTED, ConcernTriagedV1: m.TRIAGED, SafeguardingEscalatedV1: m.ESCALATED,
    CaseListedV1: m.LISTED, PanelDecisionV2: m.DECIDED, ActionAssignedV1: m.ACTION_ASSIGNED,
    ActionOverdueV1: m.ACTION_OVERDUE,
}
_OCCURRED = ("submitted_at", "triaged_at", "escalated_at", "listed_at", "decided_at", "assigned_at", "raised_at")


def kind_of(data: Any) -> str:
    return KIND_OF[type(data)]


def planned_for(data: Any) -> list[m.Planned]:
    return m.plan_for(kind_of(data), getattr(data, "outcome", None) if isinstance(data, ConcernTriagedV1) else None)


def facts_for(event: CloudEvent, data: Any) -> Facts:
    at = event.time or next(getattr(data, a) for a in _OCCURRED if getattr(data, a, None) is not None)
    return Facts(kind=kind_of(data), at=at, outcome=getattr(data, "outcome", None),
                 pathway=getattr(data, "pathway", None), panel_date=getattr(data, "panel_date", None),
                 due=getattr(data, "due", None), agency=getattr(data, "agency", None),
                 next_review=getattr(data, "next_review", None))


def journey_step(event: CloudEvent, data: Any) -> Step | None:
    return step_for(facts_for(event, data))


def event_values(data: Any, step: Step | None) -> dict[str, Any]:
    """The values an event gives its templates: codes, dates and the policy's own words."""
    funding = getattr(data, "funding", None)
    return {
        "reasons": [r.text for r in getattr(data, "reasons", [])],
        "missing": list(getattr(data, "missing", [])),
        "pathway_name": m.PATHWAY_NAMES.get(getattr(data, "pathway", None) or "", "support"),
        "panel_date": getattr(data, "panel_date", None),
        "decided_at": getattr(data, "decided_at", None),
        "outcome": getattr(data, "outcome", None),
        "funding": funding.model_dump() if funding else None,
        "next_review": getattr(data, "next_review", None),
        "details_url": getattr(data, "details_url", None),
        "escalated_at": getattr(data, "escalated_at", None),
        "age_in_months": getattr(data, "age_in_months", None),
        "due": getattr(data, "due", None),
        "agency": getattr(data, "agency", None),
        "expected_by": step.expected_by if step else None,
    }
