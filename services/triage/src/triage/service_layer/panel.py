"""Use case: the early-years inclusion panel decided; route the referral as it said.

A decision confirms or overrides the policy's recommendation; a correcting decision routes
again. Each routed referral says `decided_by: panel` and carries the panel's reasons.
"""

from __future__ import annotations

from typing import Any

import structlog

from frontdoor_shared.contracts import ConcernSubmittedV1, PanelDecisionV2
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.uow import UnitOfWork
from triage.adapters.repository import TriageRepository
from triage.domain.engine import Reason
from triage.domain.panel import PanelDecision, TriageSoFar, route_after_panel
from triage.domain.policy import Policy
from triage.service_layer.events import reasons_of, routed_event
from triage.service_layer.routing import route
from triage.service_layer.triage import Clock, locked_result, nothing_to_do, utc_now

log = structlog.get_logger()


def so_far(row: Any) -> TriageSoFar:
    return TriageSoFar(reference=row.reference, outcome=row.outcome,
                       recommended_pathway=row.recommended_pathway, pathway=row.pathway,
                       decided_by=row.decided_by)


def panel_decision(data: PanelDecisionV2) -> PanelDecision:
    return PanelDecision(
        decision_id=str(data.decision_id), pathway=data.pathway, priority=data.priority,
        reasons=tuple(Reason(r.rule, r.text) for r in data.reasons),
        corrects_decision_id=str(data.corrects_decision_id) if data.corrects_decision_id else None,
    )


async def apply_panel_decision(uow: UnitOfWork, event: CloudEvent, data: PanelDecisionV2, topic: str,
                               policy: Policy, details_base: str, clock: Clock = utc_now) -> None:
    now = clock()
    async with uow:
        if await nothing_to_do(uow, event, topic, data.concern_id):
            return
        repo = TriageRepository(uow.conn)
        row = await locked_result(repo, data, "route")
        routing = route_after_panel(so_far(row), panel_decision(data), policy.panel.name)
        reasons = reasons_of(routing.reasons)
        await repo.record_panel_decision(data.concern_id, pathway=routing.pathway,
                                         priority=routing.priority,
                                         reasons=[r.model_dump() for r in reasons])
        facts = ConcernSubmittedV1.model_validate(row.facts)
        await route(uow, routed_event(
            facts, pathway=routing.pathway, priority=routing.priority, reasons=reasons,
            decided_by="panel", policy_version=row.policy_version, at=now, details_base=details_base,
        ), cause=event, decision_id=data.decision_id)
        await uow.commit()
    log.info("panel.routed", reference=data.reference, pathway=routing.pathway, confirmed=routing.confirmed,
             corrects=data.corrects_decision_id is not None)
