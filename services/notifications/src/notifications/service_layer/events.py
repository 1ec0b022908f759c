"""Reading status events: which kind each is, the journey facts and the template values it gives."""

from __future__ import annotations

from typing import Any

from frontdoor_shared.contracts import (
    ActionAssignedV1,
    ActionOverdueV1,
    CaseListedV1,
    ConcernSubmittedV1,
    ConcernTriagedV1,
    ConcernWithdrawnV1,
    Contract,
    PanelDecisionV2,
    ReferralProgressedV1,
    SafeguardingEscalatedV1,
)
from frontdoor_shared.envelope import CloudEvent
from notifications.domain import messages as m
from notifications.domain.journey import Facts, Step, step_for

CONSUMED: tuple[type[Contract], ...] = (
    ConcernSubmittedV1, ConcernTriagedV1, SafeguardingEscalatedV1, CaseListedV1, PanelDecisionV2,
    ActionAssignedV1, ActionOverdueV1, ConcernWithdrawnV1, ReferralProgressedV1,
)
KIND_OF: dict[type[Contract], str] = {
    ConcernSubmittedV1: m.SUBMITTED, ConcernTriagedV1: m.TRIAGED, SafeguardingEscalatedV1: m.ESCALATED,
    CaseListedV1: m.LISTED, PanelDecisionV2: m.DECIDED, ActionAssignedV1: m.ACTION_ASSIGNED,
    ActionOverdueV1: m.ACTION_OVERDUE, ConcernWithdrawnV1: m.WITHDRAWN, ReferralProgressedV1: m.PROGRESSED,
}
_OCCURRED = ("submitted_at", "triaged_at", "escalated_at", "listed_at", "decided_at", "assigned_at", "raised_at",
             "withdrawn_at", "progressed_at")


def kind_of(data: Any) -> str:
    return KIND_OF[type(data)]


def planned_for(data: Any) -> list[m.Planned]:
    if isinstance(data, ReferralProgressedV1):
        return m.plan_for(m.PROGRESSED, data.stage)
    return m.plan_for(kind_of(data), getattr(data, "outcome", None) if isinstance(data, ConcernTriagedV1) else None)


def _fields(data: Any) -> dict[str, Any]:
    """An event's fields by name (a contract is a pydantic model: its fields are its `__dict__`).
    Read as a dict because `getattr(model, name, None)` on a field the contract does not have goes
    through pydantic's `__getattr__` and a raised AttributeError: a tenth of building a message's values."""
    return data.__dict__  # type: ignore[no-any-return]


def facts_for(event: CloudEvent, data: Any) -> Facts:
    f = _fields(data)
    at = event.time or next(f[a] for a in _OCCURRED if f.get(a) is not None)
    return Facts(kind=kind_of(data), at=at, outcome=f.get("outcome"), pathway=f.get("pathway"),
                 panel_date=f.get("panel_date"), due=f.get("due"), agency=f.get("agency"),
                 next_review=f.get("next_review"), agency_name=f.get("agency_name"), task_text=f.get("task_text"),
                 reason_text=f.get("reason_text"), received_on=f.get("received_on"),
                 statutory_decision_due=f.get("statutory_decision_due"), stage=f.get("stage"),
                 contact_by=f.get("contact_by"), appointment_on=f.get("appointment_on"))


def journey_step(event: CloudEvent, data: Any) -> Step | None:
    return step_for(facts_for(event, data))


def event_values(data: Any, step: Step | None) -> dict[str, Any]:
    """The values an event gives its templates: codes, dates and the policy's own words."""
    f = _fields(data)
    funding = f.get("funding")
    return {
        "reasons": [r.text for r in f.get("reasons") or []],
        "missing": list(f.get("missing") or []),
        "pathway_name": m.PATHWAY_NAMES.get(f.get("pathway") or "", "support"),
        "panel_date": f.get("panel_date"),
        "decided_at": f.get("decided_at"),
        "outcome": f.get("outcome"),
        "funding": funding.model_dump() if funding else None,
        "next_review": f.get("next_review"),
        "details_url": f.get("details_url"),
        "escalated_at": f.get("escalated_at"),
        "age_in_months": f.get("age_in_months"),
        "due": f.get("due"),
        "agency": f.get("agency"),
        "agency_name": f.get("agency_name"),
        "task_text": f.get("task_text"),
        "reason_text": f.get("reason_text"),
        "actions": [{"agency_name": a.agency_name, "task_text": a.task_text, "due": a.due}
                    for a in f.get("actions") or []],
        "expected_by": step.expected_by if step else None,
        "received_on": f.get("received_on"),
        "statutory_decision_due": f.get("statutory_decision_due"),
        "contact_by": f.get("contact_by"),
        "appointment_on": f.get("appointment_on"),
    }
