"""What early years reports at /metrics from its own tables (`frontdoor_shared.metrics`)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from early_years.adapters import orm
from frontdoor_shared.metrics import Metric, gauge


async def readings(conn: AsyncConnection, today: date) -> list[Metric]:
    """The actions the panel set that are past their due date (`today`, the council's) and not done."""
    a = orm.action.c
    overdue = await conn.scalar(sa.select(sa.func.count()).select_from(orm.action)
                                .where(a.completed_at.is_(None), a.due < today))
    return [gauge("frontdoor_panel_actions_overdue", "Actions the panel set that are past their due date and not done",
                  overdue or 0)]
