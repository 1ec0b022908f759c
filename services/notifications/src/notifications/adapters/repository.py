"""Notifications' repository."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from notifications.adapters import orm


class MessageRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def remember_recipients(self, concern_id: uuid.UUID, reference: str, sealed: str) -> None:
        await self.conn.execute(insert(orm.recipient).values(
            concern_id=concern_id, reference=reference, sealed=sealed).on_conflict_do_nothing())

    async def sealed_recipients(self, concern_id: uuid.UUID) -> str | None:
        return await self.conn.scalar(
            sa.select(orm.recipient.c.sealed).where(orm.recipient.c.concern_id == concern_id))

    async def add_once(self, **values: Any) -> bool:
        """Insert a message unless one with the same dedupe key exists; True when inserted."""
        result = await self.conn.execute(
            insert(orm.message).values(**values).on_conflict_do_nothing(
                index_elements=[orm.message.c.dedupe_key]).returning(orm.message.c.id))
        return result.first() is not None

    async def mailbox(self, reference: str | None = None, limit: int = 200) -> list[Any]:
        stmt = sa.select(orm.message).order_by(orm.message.c.created_at.desc()).limit(limit)
        if reference:
            stmt = stmt.where(orm.message.c.reference == reference)
        return list((await self.conn.execute(stmt)).all())

    async def defer(self, concern_id: uuid.UUID, event_id: str, topic: str, event: dict[str, Any]) -> None:
        """Keep a status event whose concern's contact details have not arrived yet."""
        await self.conn.execute(insert(orm.pending_notice).values(
            event_id=event_id, concern_id=concern_id, topic=topic, event=event).on_conflict_do_nothing())

    async def take_deferred(self, concern_id: uuid.UUID) -> list[Any]:
        t = orm.pending_notice
        rows = list((await self.conn.execute(
            sa.select(t).where(t.c.concern_id == concern_id).order_by(t.c.received_at)
            .with_for_update())).all())
        if rows:
            await self.conn.execute(sa.delete(t).where(t.c.concern_id == concern_id))
        return rows
