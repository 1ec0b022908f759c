"""Erasure bookkeeping every consuming service shares: a tombstone per erased concern.

Topics are not ordered across each other: an event about a concern (triaged, listed, a message)
can arrive after the concern was erased. Each service remembers erased concern ids (an id and a
time only, nothing about the child) and drops later events about them, so erased data is never
rebuilt from a late or replayed event.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from frontdoor_shared.db import sql


def erased_table(metadata: sa.MetaData, schema: str) -> sa.Table:
    return sa.Table(
        "erased_concern", metadata,
        sa.Column("concern_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        schema=schema,
    )


def create_erased_table(op: object, schema: str) -> None:
    """Create the tombstone table in a migration."""
    erased_table(sa.MetaData(), schema).create(op.get_bind())  # type: ignore[attr-defined]


async def remember(conn: AsyncConnection, table: sa.Table, concern_id: uuid.UUID, reason: str,
                   at: datetime) -> None:
    await conn.execute(insert(table).values(concern_id=concern_id, reason=reason, erased_at=at)
                       .on_conflict_do_nothing())


async def is_erased(conn: AsyncConnection, table: sa.Table, concern_id: uuid.UUID) -> bool:
    return bool(await conn.scalar(sa.select(sa.literal(True)).where(table.c.concern_id == concern_id)))


async def erased_among(conn: AsyncConnection, table: sa.Table, concern_ids: set[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these concerns were erased (one statement, whatever their number)."""
    if not concern_ids:
        return set()
    rows = await conn.execute(sql(f"SELECT concern_id FROM {table.schema}.{table.name}"
                                      " WHERE concern_id = ANY(CAST(:ids AS uuid[]))"), {"ids": sorted(concern_ids)})
    return {r[0] for r in rows}
