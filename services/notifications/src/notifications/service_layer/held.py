"""Use case: an event held for its concern's contact details too long is raised to staff, once,
so no family is left silent without a human knowing."""

from __future__ import annotations

from datetime import timedelta

import structlog

from frontdoor_shared.uow import UnitOfWork
from notifications.adapters.repository import MessageRepository
from notifications.domain.messages import details_missing_plan
from notifications.service_layer import recording
from notifications.service_layer.context import Context

log = structlog.get_logger()
BATCH = 100


async def raise_held(uow: UnitOfWork, ctx: Context) -> int:
    planned = details_missing_plan()
    async with uow:
        repo = MessageRepository(uow.conn, ctx.keyring)
        cutoff = ctx.clock() - timedelta(minutes=ctx.settings.recipient_wait_minutes)
        rows = await repo.held_since(cutoff, planned.template, BATCH)
        for row in rows:
            event = row.event
            about = recording.About(row.concern_id, str(event["data"]["reference"]), row.event_id,
                                    str(event["type"]), event.get("correlationid"))
            values = {**recording.defaults(ctx, about.reference), "held_since": row.received_at}
            await recording.record(repo, ctx, about, planned, values, None)
        await uow.commit()
    if rows:
        log.warning("held.raised_to_staff", events=len(rows))
    return len(rows)
