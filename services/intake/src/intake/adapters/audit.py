"""The audit trail: who read or changed which child's record, when, what and why (append-only)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from frontdoor_shared.auth import Principal
from intake.adapters import orm

SYSTEM = Principal(subject="system", kind="service", role=None)


async def record(conn: AsyncConnection, who: Principal, action: str, reference: str, *,
                 concern_id: uuid.UUID | None = None, why: str, channel: str) -> None:
    await conn.execute(sa.insert(orm.audit).values(
        actor=who.subject, actor_kind=who.kind, actor_role=who.role, action=action, reference=reference,
        concern_id=concern_id, why=why[:200], channel=channel))


async def history(conn: AsyncConnection, reference: str) -> list[Any]:
    return list((await conn.execute(
        sa.select(orm.audit).where(orm.audit.c.reference == reference).order_by(orm.audit.c.id))).all())
