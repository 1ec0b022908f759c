"""What the council's report reads (`intake.service_layer.report`): concerns by when they arrived,
their status histories, and the routing lines of concerns sent to the statutory pathway."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.adapters import orm
from intake.domain.model import Status


async def concerns_arrived(conn: AsyncConnection, since: datetime, until: datetime) -> list[Any]:
    """Concerns that arrived from `since` up to `until`: id, reference, channel, status, submitted_at."""
    c = orm.concern
    return list((await conn.execute(sa.select(c.c.id, c.c.reference, c.c.channel, c.c.status, c.c.submitted_at)
                                    .where(c.c.submitted_at >= since, c.c.submitted_at < until))).all())


async def history_of(conn: AsyncConnection, concern_ids: list[uuid.UUID]) -> list[Any]:
    """Their history lines (concern_id, status, at, and the pathway a routing line names), in order of time."""
    if not concern_ids:
        return []
    h = orm.status_history
    pathway = sa.case((h.c.status.in_([Status.ROUTED, Status.PANEL_DECIDED]), h.c.detail["pathway"].astext))
    return list((await conn.execute(sa.select(h.c.concern_id, h.c.status, h.c.at, pathway.label("pathway"))
                                    .where(h.c.concern_id.in_(concern_ids)).order_by(h.c.at, h.c.id))).all())


async def statutory_routing_lines(conn: AsyncConnection, since: datetime) -> list[Any]:
    """Since `since`, the routing lines (routed, panel decided) of every concern with a line naming a
    statutory decision, in order of time: (reference, status now, at, due or None). The latest says
    where it went last (a correction may have taken it off the statutory pathway: its line names no date)."""
    c, h = orm.concern, orm.status_history
    due_text = h.c.detail["statutory_decision_due"].astext
    statutory = sa.select(h.c.concern_id).where(h.c.at >= since, due_text.isnot(None))
    rows = (await conn.execute(
        sa.select(c.c.reference, c.c.status, h.c.at, due_text.label("due"))
        .join(c, c.c.id == h.c.concern_id)
        .where(h.c.concern_id.in_(statutory), h.c.at >= since, h.c.status.in_([Status.ROUTED, Status.PANEL_DECIDED]))
        .order_by(h.c.at, h.c.id))).all()
    return [SimpleNamespace(reference=r.reference, status=r.status, at=r.at,
                            due=date.fromisoformat(r.due) if r.due else None) for r in rows]
