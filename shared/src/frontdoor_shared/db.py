"""Database plumbing: the async engine and the delivery tables every service owns.

Every service has its own schema; the outbox, inbox and dead-letter tables are created in it by
the service's own Alembic migrations (see `create_delivery_tables`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine


@functools.lru_cache(maxsize=512)
def sql(text: str) -> sa.TextClause:
    """`sa.text`, parsed once per statement text: building a TextClause parses its bind parameters
    with a regular expression, a tenth of intake's submission time when done on every call."""
    return sa.text(text)


async def driver_connection(conn: AsyncConnection) -> Any:
    """The asyncpg connection under `conn`, in its transaction. The delivery statements every
    batch and every relay round run (inbox claim, outbox insert, the relay's claim) go to it
    directly: through SQLAlchemy a statement cost three to four times the client CPU
    (`python -m bench.driver_overhead`, a one-event inbox claim: 160-272 us against 38-66 us on
    uvloop), which at a light load, where each batch holds an event or two, is paid several
    times per concern. Errors are asyncpg's own (see
    `errors_classify`); statements are prepared once per connection by asyncpg's cache.

    SQLAlchemy sends BEGIN with a transaction's first statement, not at `begin()`: when the
    driver's statement comes first, it is sent here (as SQLAlchemy would have), or that statement
    would commit on its own, outside the transaction (an inbox row surviving its batch's rollback)."""
    fairy = await conn.get_raw_connection()
    adapted: Any = fairy.dbapi_connection  # SQLAlchemy's asyncpg adapter (pinned in uv.lock; tested)
    if conn.in_transaction() and adapted._transaction is None:
        await adapted._start_transaction()
    return fairy.driver_connection


def asyncpg_url(url: str) -> str:
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix):]
    raise ValueError("DATABASE_URL must start with postgresql://")


def make_engine(url: str, *, pool_size: int = 20) -> AsyncEngine:
    # Every statement a service runs is prepared once per connection and kept: a service runs a few
    # hundred distinct statements, more than the driver's default cache of 100 holds, and a miss
    # costs a PREPARE round trip before the statement itself.
    # No pre-ping (a round trip on every checkout): after PostgreSQL restarts, the first statement
    # on a stale connection fails as a disconnect, which invalidates the whole pool and is
    # transient everywhere (consumers retry, HTTP answers 503); tests/faults proves nothing is lost.
    # No overflow: a connection opened past the pool's size is closed as soon as it is returned, so
    # under load (intake's API with many requests in flight) the pool kept opening connections,
    # each a new PostgreSQL backend, a type introspection and every statement prepared again
    # (measured: 212 connections opened in a 30 s benchmark run). The pool keeps its ceiling open
    # instead (opened as needed, never more than before); past it a request waits (pool_timeout).
    return create_async_engine(
        asyncpg_url(url), pool_size=pool_size, max_overflow=0,
        pool_recycle=1800, connect_args={"prepared_statement_cache_size": 1000},
    )


@dataclass(frozen=True)
class DeliveryTables:
    """The outbox, inbox and dead-letter tables of one service's schema."""

    schema: str
    outbox: sa.Table
    inbox: sa.Table
    dead_letter: sa.Table

    def all(self) -> list[sa.Table]:
        return [self.outbox, self.inbox, self.dead_letter]


def delivery_tables(metadata: sa.MetaData, schema: str) -> DeliveryTables:
    outbox = sa.Table(
        "outbox", metadata,
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_id", sa.Text, nullable=False, unique=True),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("headers", pg.JSONB, nullable=False, server_default="{}"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Index(f"ix_{schema}_outbox_unpublished", "id", postgresql_where=sa.text("published_at IS NULL")),
        schema=schema,
    )
    inbox = sa.Table(
        "inbox", metadata,
        sa.Column("event_id", sa.Text, primary_key=True),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema=schema,
    )
    dead_letter = sa.Table(
        "dead_letter", metadata,
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("partition", sa.Integer, nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("consumer_group", sa.Text, nullable=False),
        sa.Column("key", sa.LargeBinary),
        sa.Column("payload", sa.LargeBinary),
        sa.Column("headers", pg.JSONB, nullable=False, server_default="{}"),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("error_type", sa.Text, nullable=False),
        sa.Column("dead_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("replayed_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("topic", "partition", "offset", "consumer_group", name=f"uq_{schema}_dead_letter_pos"),
        schema=schema,
    )
    return DeliveryTables(schema, outbox, inbox, dead_letter)
