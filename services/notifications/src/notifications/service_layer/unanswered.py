"""Use case: a pathway team the family was told would contact them by a date let it pass without
a word to the council (accepted, an appointment, declined). The council chases, not the family:
staff are asked to follow it up with the team and record its answer, and the family hears that
they are. Once per routing: each message's key names the step it is about, so a referral routed
again (a panel's correction) starts a new wait. Pathways the council chases: `chase_pathways`."""

from __future__ import annotations

from typing import Any

import structlog

from frontdoor_shared.uow import UnitOfWork
from notifications.adapters.journey_repository import JourneyRepository
from notifications.domain import messages as m
from notifications.domain.journey import WAITING_ON_TEAM, is_unanswered
from notifications.service_layer import outcomes, recording
from notifications.service_layer.context import Context

log = structlog.get_logger()
BATCH = 100


def _values(ctx: Context, row: Any, people: dict[str, Any]) -> dict[str, Any]:
    return {**recording.defaults(ctx, row.reference), **recording.people_values(people),
            "pathway_name": m.PATHWAY_NAMES.get(row.pathway, "support"), "expected_by": row.expected_by,
            "waiting_since": row.at, "overdue": True}


async def chase_unanswered(uow: UnitOfWork, ctx: Context) -> int:
    """Record the chase for one batch of unanswered referrals; returns how many were chased."""
    chased = ctx.settings.chased
    if not chased:
        return 0
    today, plans = ctx.clock().date(), m.unanswered_plan()
    async with uow:
        rows = await JourneyRepository(uow.conn).unanswered(today, WAITING_ON_TEAM, chased, plans[0].template, BATCH)
        rows = [r for r in rows if is_unanswered(r.status, r.pathway, r.expected_by, today, chased)]
        await outcomes.tell_each(uow, ctx, rows, plans, lambda row, people: _values(ctx, row, people))
        await uow.commit()
    if rows:
        log.warning("unanswered.chased", referrals=len(rows))
    return len(rows)
