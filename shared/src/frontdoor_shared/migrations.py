"""Alembic plumbing shared by every service: each owns a schema and keeps its version table in it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import create_async_engine

from frontdoor_shared.db import asyncpg_url, delivery_tables


def upgrade(migrations_dir: Path, url: str, schema: str, revision: str = "head") -> None:
    """Run a service's migrations to `revision` (call from sync code, not inside a loop)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.attributes["url"] = url
    cfg.attributes["schema"] = schema
    command.upgrade(cfg, revision)


def run_env(context: Any) -> None:
    """The body of every service's `env.py` (online mode, asyncpg)."""
    cfg = context.config
    url, schema = cfg.attributes["url"], cfg.attributes["schema"]

    def do_run(connection: sa.Connection) -> None:
        connection.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        context.configure(connection=connection, version_table_schema=schema,
                          include_schemas=True)
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = create_async_engine(asyncpg_url(url))
        async with engine.begin() as conn:
            await conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": schema})
            await conn.run_sync(do_run)
        await engine.dispose()

    asyncio.run(run())


def create_delivery_tables(op: Any, schema: str) -> None:
    """Create the outbox, inbox and dead-letter tables in a migration."""
    bind = op.get_bind()
    for table in delivery_tables(sa.MetaData(), schema).all():
        table.create(bind)


# Room on each page for a row's next version. A row written once and then changed once soon after
# (an outbox row marked published, a message marked sent) gets its new version on the same page,
# where PostgreSQL logs only the bytes that changed and finds room without a search; on a full
# page the new version goes elsewhere with its whole row in the write-ahead log. Measured on a
# message-sized row (`bench/README.md`, session 13): the update 20-25 -> 12 us of server CPU and
# 4.6 -> 2.8 KB of WAL per message; an outbox row 1.9 -> 1.3 KB of WAL. The price: those tables
# take up to twice the pages on disk.
UPDATED_ONCE_FILLFACTOR = 50


def leave_room_for_updates(op: Any, schema: str, tables: tuple[str, ...], fillfactor: int = UPDATED_ONCE_FILLFACTOR
                           ) -> None:
    """Set `fillfactor` on tables whose rows are updated once soon after insert (new pages only)."""
    for table in tables:
        op.execute(f"ALTER TABLE {schema}.{table} SET (fillfactor = {int(fillfactor)})")


def fill_pages_again(op: Any, schema: str, tables: tuple[str, ...]) -> None:
    for table in tables:
        op.execute(f"ALTER TABLE {schema}.{table} RESET (fillfactor)")


PANEL_FREE_TEXT_RULE = "panel-reason"  # how panel-decision v1 carried the chair's free text


def without_panel_free_text(reasons: Any) -> Any:
    """A list of reasons without the panel's free text (v1's `panel-reason` rule); anything else as is."""
    if not isinstance(reasons, list):
        return reasons
    return [r for r in reasons if not (isinstance(r, dict) and r.get("rule") == PANEL_FREE_TEXT_RULE)]


def rewrite_outbox(bind: sa.Connection, schema: str, contains: str, rewrite: Any,
                   topics: dict[str, str] | None = None) -> int:
    """Rewrite, in a migration, every stored outbox event whose payload holds `contains`.

    `rewrite(event)` gets the parsed CloudEvent (a dict) and returns the new one, or None to leave
    the row. The row's event type follows the new event's; its topic too where `topics` maps that
    type to one. Events already published are rewritten as well: the outbox keeps them for replay,
    and a replay must not put back what was taken out.
    """
    import json

    rows = bind.execute(sa.text(
        f"SELECT id, topic, payload FROM {schema}.outbox "
        "WHERE position(CAST(:needle AS bytea) IN payload) > 0"), {"needle": contains.encode()}).all()
    changed = 0
    for row in rows:
        event = rewrite(json.loads(bytes(row.payload)))
        if event is None:
            continue
        topic = (topics or {}).get(event["type"], row.topic)
        bind.execute(sa.text(f"UPDATE {schema}.outbox SET topic = :t, event_type = :e, payload = :p WHERE id = :i"),
                     {"t": topic, "e": event["type"], "p": json.dumps(event, separators=(",", ":")).encode(),
                      "i": row.id})
        changed += 1
    return changed
