"""Use case: when a concern has waited on the council without news for the configured number of
days, tell the family and the referrer where it is and what happens next: once per idle period,
because each reminder's key names the status it is about. The same loop chases pathway teams that
let their date pass (`unanswered`) and raises news held for contact details (`held`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import structlog

from frontdoor_shared.uow import UnitOfWork
from notifications.adapters.journey_repository import JourneyRepository
from notifications.domain.journey import WAITING_ON_COUNCIL, is_still_waiting
from notifications.domain.messages import still_waiting_plan
from notifications.service_layer import outcomes, recording
from notifications.service_layer.context import Context
from notifications.service_layer.held import raise_held
from notifications.service_layer.loops import repeat
from notifications.service_layer.unanswered import BATCH as UNANSWERED_BATCH
from notifications.service_layer.unanswered import chase_unanswered

log = structlog.get_logger()
BATCH = 100


def _values(ctx: Context, row: Any, people: dict[str, Any]) -> dict[str, Any]:
    today = ctx.clock().date()
    return {**recording.defaults(ctx, row.reference), **recording.people_values(people),
            "current_line": row.line, "next_step": row.next_step, "expected_by": row.expected_by,
            "overdue": bool(row.expected_by and row.expected_by < today), "waiting_since": row.at,
            "waiting_for_referrer": row.status == "more-information-needed"}


async def remind_idle(uow: UnitOfWork, ctx: Context) -> int:
    """Record reminders for one batch of idle concerns; returns how many concerns were told."""
    now, days = ctx.clock(), ctx.settings.still_waiting_days
    plans = still_waiting_plan()
    async with uow:
        rows = await JourneyRepository(uow.conn).idle_since(
            now - timedelta(days=days), WAITING_ON_COUNCIL, plans[0].template, BATCH)
        rows = [r for r in rows if is_still_waiting(r.status, r.at, now, days)]
        await outcomes.tell_each(uow, ctx, rows, plans, lambda row, people: _values(ctx, row, people))
        await uow.commit()
    if rows:
        log.info("still_waiting.told", concerns=len(rows))
    return len(rows)


async def run_still_waiting(new_uow: Callable[[], UnitOfWork], ctx: Context, stop: asyncio.Event,
                            on_recorded: Callable[[], None]) -> None:
    async def once() -> int:
        told = await remind_idle(new_uow(), ctx)
        chased = await chase_unanswered(new_uow(), ctx)
        if told + chased + await raise_held(new_uow(), ctx):
            on_recorded()
        return told + chased if told >= BATCH or chased >= UNANSWERED_BATCH else 0  # a full batch: more may wait

    await repeat("still-waiting", once, stop, asyncio.Event(), ctx.settings.still_waiting_interval_seconds)
