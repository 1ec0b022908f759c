"""Use case: triage a submitted concern against the council's ranges policy.

Translates the decision into integration events in one place: always `concern-triaged`; a
`referral-routed` on the pathway's own topic when routed without a panel.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from frontdoor_shared import topics
from frontdoor_shared.contracts import ConcernSubmittedV1, ConcernTriagedV1, ReferralRoutedV1
from frontdoor_shared.contracts.common import Reason
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.uow import UnitOfWork

from triage.adapters.repository import TriageRepository
from triage.domain.engine import ConcernFacts, TriageDecision, evaluate
from triage.domain.policy import Policy


def facts_from(data: ConcernSubmittedV1) -> ConcernFacts:
    return ConcernFacts(
        reference=data.reference,
        age_in_months=data.age_in_months,
        pre_birth=data.pre_birth,
        compulsory_school_age_from=data.compulsory_school_age_from,
        need_codes=tuple(data.need_codes),
        ranges=tuple((r.area, r.range) for r in data.ranges),
        screening=tuple((s.tool, s.outcome, s.area) for s in data.screening),
        tried_for_weeks=data.tried_for_weeks,
        urgency=data.urgency,
        safeguarding=data.safeguarding,
    )


def triaged_event(data: ConcernSubmittedV1, d: TriageDecision, at: datetime) -> ConcernTriagedV1:
    return ConcernTriagedV1(
        concern_id=data.concern_id, reference=data.reference, triaged_at=at,
        outcome=d.outcome, pathway=d.pathway, priority=d.priority,  # type: ignore[arg-type]
        age_in_months=data.age_in_months, need_codes=data.need_codes, ranges=data.ranges,
        reasons=[Reason(rule=r.rule, text=r.text) for r in d.reasons], missing=list(d.missing),
        policy_version=d.policy_version,
    )


def routed_event(t: ConcernTriagedV1, decided_by: str, details_base: str) -> ReferralRoutedV1:
    assert t.pathway is not None
    return ReferralRoutedV1(
        concern_id=t.concern_id, reference=t.reference, routed_at=t.triaged_at, pathway=t.pathway,
        priority=t.priority, age_in_months=t.age_in_months, need_codes=t.need_codes, ranges=t.ranges,
        reasons=t.reasons, decided_by=decided_by, policy_version=t.policy_version,  # type: ignore[arg-type]
        details_url=f"{details_base}/api/v1/referrals/{t.reference}",
    )


async def triage_concern(uow: UnitOfWork, event: CloudEvent, data: ConcernSubmittedV1, topic: str,
                         policy: Policy, details_base: str,
                         clock: Callable[[], datetime] | None = None) -> None:
    now = (clock or (lambda: datetime.now(UTC)))()
    async with uow:
        if not await uow.first_time(event, topic):
            return
        decision = evaluate(policy, facts_from(data), now.date())
        triaged = triaged_event(data, decision, now)
        await TriageRepository(uow.conn).save(
            concern_id=data.concern_id, reference=data.reference, outcome=decision.outcome,
            pathway=decision.pathway, priority=decision.priority,
            reasons=[r.model_dump() for r in triaged.reasons], missing=list(decision.missing),
            policy_version=decision.policy_version, decided_by="policy",
            facts=data.model_dump(mode="json", exclude={"recipients_sealed"}), triaged_at=now)
        key, subject = str(data.concern_id), data.reference
        uow.emit(triaged, subject=subject, key=key, cause=event)
        if decision.outcome == "routed":
            routed = routed_event(triaged, "policy", details_base)
            uow.emit(routed, subject=subject, key=key, cause=event, topic=topics.referrals(routed.pathway))
        await uow.commit()
