"""Use case: a triaged child not yet of compulsory school age joins the panel's agenda."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from frontdoor_shared.contracts import CaseListedV1, ConcernTriagedV1
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.uow import UnitOfWork

from early_years.adapters.repository import CaseRepository
from early_years.domain.agenda import belongs_on_panel


async def list_for_panel(uow: UnitOfWork, event: CloudEvent, data: ConcernTriagedV1, topic: str,
                         clock: Callable[[], datetime] | None = None) -> None:
    now = (clock or (lambda: datetime.now(UTC)))()
    async with uow:
        if not await uow.first_time(event, topic):
            return
        if belongs_on_panel(data.outcome):
            case_id = uuid.uuid4()
            await CaseRepository(uow.conn).add(
                id=case_id, concern_id=data.concern_id, reference=data.reference,
                age_in_months=data.age_in_months, recommended_pathway=data.pathway,
                priority=data.priority, need_codes=list(data.need_codes),
                ranges=[r.model_dump() for r in data.ranges],
                reasons=[r.model_dump() for r in data.reasons], policy_version=data.policy_version,
                status="listed", listed_at=now)
            uow.emit(CaseListedV1(concern_id=data.concern_id, reference=data.reference,
                                  case_id=case_id, listed_at=now),
                     subject=data.reference, key=str(data.concern_id), cause=event)
        await uow.commit()
