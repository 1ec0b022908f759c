"""Sending a referral to its pathway: the public topic, and a row in the routing history."""

from __future__ import annotations

import uuid
from typing import Any

from frontdoor_shared import topics
from frontdoor_shared.contracts import ReferralRoutedV1
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.uow import UnitOfWork
from triage.adapters.repository import TriageRepository


async def route(uow: UnitOfWork, referral: ReferralRoutedV1, *, cause: CloudEvent,
                decision_id: uuid.UUID | None = None) -> None:
    """Queue the referral on `referrals.<pathway>.v1` and record who routed it, in the same transaction."""
    await TriageRepository(uow.conn).record_routing(**routing_row(uow, referral, cause=cause,
                                                                  decision_id=decision_id))


def routing_row(uow: UnitOfWork, referral: ReferralRoutedV1, *, cause: CloudEvent,
                decision_id: uuid.UUID | None = None) -> dict[str, Any]:
    """Queue the referral on `referrals.<pathway>.v1`; the routing history's row for it, to record."""
    sent = uow.emit(referral, subject=referral.reference, key=str(referral.concern_id), cause=cause,
                    topic=topics.referrals(referral.pathway))
    return {"concern_id": referral.concern_id, "reference": referral.reference, "pathway": referral.pathway,
            "priority": referral.priority, "decided_by": referral.decided_by, "decision_id": decision_id,
            "event_id": sent.id, "routed_at": referral.routed_at}
