"""What notifications reports at /metrics from its own tables (`frontdoor_shared.metrics`)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from frontdoor_shared.metrics import Metric, gauge
from notifications.adapters import orm


async def readings(conn: AsyncConnection) -> list[Metric]:
    """The messages waiting to be handed to the provider, and how long the oldest has waited
    (the partial index of pending messages answers both)."""
    m = orm.message.c
    waiting, oldest = (await conn.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.extract("epoch", sa.func.now() - sa.func.min(m.created_at)),
                                                    0))
        .where(m.status == "pending"))).one()
    return [gauge("frontdoor_messages_waiting", "Messages recorded and not yet handed to the provider "
                  "(new, or waiting to be tried again)", waiting),
            gauge("frontdoor_messages_oldest_waiting_seconds", "How long the oldest message waiting has waited "
                  "(0: none waits)", float(oldest))]
