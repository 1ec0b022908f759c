"""Use case: the referrer added the information triage asked for; decide again.

Only a concern whose result is still `more-information-needed` (decided by the policy) is decided
again; any other revision (a duplicate, or one overtaken by the panel) is recorded as handled and
changes nothing. The facts as they now stand replace the stored ones, so a later simulation of a
new policy reads what triage decided on.
"""

from __future__ import annotations

from typing import Any

import structlog

from frontdoor_shared.contracts import ConcernSubmittedV1, ConcernUpdatedV1
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.uow import UnitOfWork
from triage.adapters.repository import TriageRepository
from triage.domain.policy import Policy
from triage.service_layer.triage import Clock, decide, locked_result, nothing_to_do, utc_now

log = structlog.get_logger()
AWAITING = "more-information-needed"
# what a revision replaces of the facts triage stored from the submitted concern
REVISED = frozenset({"age_in_months", "need_codes", "ranges", "screening", "tried_for_weeks", "urgency",
                     "safeguarding", "parent_informed"})


def revised_facts(stored: dict[str, Any], data: ConcernUpdatedV1) -> ConcernSubmittedV1:
    return ConcernSubmittedV1.model_validate({**stored, **data.model_dump(mode="json", include=set(REVISED))})


async def triage_again(uow: UnitOfWork, event: CloudEvent, data: ConcernUpdatedV1, topic: str, policy: Policy,
                       details_base: str, clock: Clock = utc_now) -> None:
    now = clock()
    async with uow:
        if await nothing_to_do(uow, event, topic, data.concern_id):
            return
        repo = TriageRepository(uow.conn)
        row = await locked_result(repo, data, "decide again")
        if row.outcome != AWAITING or row.decided_by != "policy":
            log.info("triage.revision_not_awaited", reference=data.reference, outcome=row.outcome,
                     revision=data.revision)
            await uow.commit()
            return
        result, routing = decide(uow, event, revised_facts(row.facts, data), policy, details_base, now)
        await repo.save(**result)
        if routing is not None:
            await repo.record_routing(**routing)
        await uow.commit()
    log.info("triage.decided_again", reference=data.reference, revision=data.revision, outcome=result["outcome"])
