"""Triage's repository."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from triage.adapters import orm


class TriageRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def save(self, **values: Any) -> None:
        stmt = insert(orm.triage_result).values(**values)
        await self.conn.execute(stmt.on_conflict_do_update(
            index_elements=[orm.triage_result.c.concern_id],
            set_={k: stmt.excluded[k] for k in values if k != "concern_id"},
        ))

    async def get(self, concern_id: uuid.UUID) -> Any:
        return (await self.conn.execute(
            sa.select(orm.triage_result).where(orm.triage_result.c.concern_id == concern_id))).first()

    async def stream_facts(self, batch: int = 1000) -> AsyncIterator[Any]:
        result = await self.conn.stream(
            sa.select(orm.triage_result.c.reference, orm.triage_result.c.pathway,
                      orm.triage_result.c.outcome, orm.triage_result.c.facts)
            .order_by(orm.triage_result.c.triaged_at).execution_options(yield_per=batch))
        async for row in result:
            yield row
