"""Use case: triage a submitted concern against the council's ranges policy.

Always `concern-triaged`; a safeguarding concern also goes at once to the safeguarding topic
(never a referrals topic); a concern routed without a panel also goes to its pathway's topic.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from frontdoor_shared import erasure
from frontdoor_shared.contracts import ConcernSubmittedV1
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.uow import UnitOfWork
from triage.adapters import orm
from triage.adapters.repository import TriageRepository
from triage.domain.engine import TriageDecision, evaluate
from triage.domain.exceptions import UnknownConcern
from triage.domain.policy import Policy
from triage.service_layer.events import (
    escalated_event,
    facts_from,
    reasons_of,
    routed_event,
    stored_facts,
    triaged_event,
)
from triage.service_layer.routing import routing_row

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


async def nothing_to_do(uow: UnitOfWork, event: CloudEvent, topic: str, concern_id: Any) -> bool:
    """Inside the unit of work: the event was handled before, or its concern was erased before it
    arrived (its inbox line is then committed, so it is not read again). Otherwise False: go on."""
    if not await uow.first_time(event, topic):
        return True
    if await erasure.is_erased(uow.conn, orm.erased, concern_id):
        await uow.commit()
        return True
    return False


async def locked_result(repo: TriageRepository, data: Any, then: str) -> Any:
    """The concern's triage result, locked for the change about to be made; for a concern triage
    never saw, `UnknownConcern` (dead-lettered with the reason: nothing to `then`)."""
    row = await repo.get(data.concern_id, for_update=True)
    if row is None:
        raise UnknownConcern(f"no triage result for concern {data.reference}; nothing to {then}")
    return row


async def triage_concern(uow: UnitOfWork, event: CloudEvent, data: ConcernSubmittedV1, topic: str,
                         policy: Policy, details_base: str, clock: Clock = utc_now) -> None:
    now = clock()
    async with uow:
        if await nothing_to_do(uow, event, topic, data.concern_id):
            return
        result, routing = decide(uow, event, data, policy, details_base, now)
        repo = TriageRepository(uow.conn)
        await repo.save(**result)
        if routing is not None:
            await repo.record_routing(**routing)
        await uow.commit()


async def triage_concerns(uow: UnitOfWork, items: list[tuple[CloudEvent, ConcernSubmittedV1, str]],
                          policy: Policy, details_base: str, clock: Clock = utc_now) -> None:
    """A batch of submitted concerns as sets: what `triage_concern` does for each, in order, in
    three statements (erased ones, every result, every routing line) instead of three per event."""
    now = clock()
    async with uow:
        fresh = [(e, d, t) for e, d, t in items if await uow.first_time(e, t)]
        erased = await erasure.erased_among(uow.conn, orm.erased, {d.concern_id for _, d, _ in fresh})
        results, routings = [], []
        for event, data, _ in fresh:
            if data.concern_id not in erased:
                result, routing = decide(uow, event, data, policy, details_base, now)
                results.append(result)
                routings.extend([routing] if routing is not None else [])
        repo = TriageRepository(uow.conn)
        await repo.save_many(results)
        await repo.record_routings(routings)
        await uow.commit()


def decide(uow: UnitOfWork, event: CloudEvent, data: ConcernSubmittedV1, policy: Policy, details_base: str,
            now: datetime) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Decide against the policy and queue the events: safeguarding at once, always `concern-triaged`,
    a referral when routed. Returns the result's row and the routing line (if routed) to record."""
    decision = evaluate(policy, facts_from(data), now.date())
    key, subject = str(data.concern_id), data.reference
    if decision.outcome == "safeguarding":
        uow.emit(escalated_event(data, now, details_base), subject=subject, key=key, cause=event)
    uow.emit(triaged_event(data, decision, now), subject=subject, key=key, cause=event)
    routing = None
    if decision.outcome == "routed":
        assert decision.pathway is not None  # the engine always names the pathway it routes to
        routing = routing_row(uow, routed_event(
            data, pathway=decision.pathway, priority=decision.priority,
            reasons=reasons_of(decision.reasons), decided_by="policy",
            policy_version=decision.policy_version, at=now, details_base=details_base,
        ), cause=event)
    return _result_row(data, decision, now), routing


def _result_row(data: ConcernSubmittedV1, d: TriageDecision, now: datetime) -> dict[str, Any]:
    return {"concern_id": data.concern_id, "reference": data.reference, "outcome": d.outcome, "pathway": d.pathway,
            "recommended_pathway": d.pathway, "priority": d.priority,
            "reasons": [r.model_dump() for r in reasons_of(d.reasons)], "missing": list(d.missing),
            "policy_version": d.policy_version, "decided_by": "policy", "facts": stored_facts(data),
            "triaged_at": now}
