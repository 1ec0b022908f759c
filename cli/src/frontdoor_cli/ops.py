"""Operator actions on every service's delivery tables (outbox replay, dead letters).

The CLI is the council's admin tool: it reads each service's own outbox and dead-letter tables
through the shared table definitions, never a service's business tables.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from frontdoor_shared.db import delivery_tables, make_engine
from frontdoor_shared.outbox import replay as replay_outbox

SCHEMAS = ("intake", "triage", "early_years", "notifications")


async def _existing_schemas(engine: Any) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(sa.text(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 'outbox'"))
        present = {r[0] for r in rows}
    return [s for s in SCHEMAS if s in present]


async def replay(database_url: str, *, since: datetime | None = None, topic: str | None = None) -> dict[str, int]:
    """Mark published outbox rows unpublished so each relay re-drives them; inboxes dedupe."""
    engine = make_engine(database_url, pool_size=2)
    try:
        counts = {}
        for schema in await _existing_schemas(engine):
            counts[schema] = await replay_outbox(engine, delivery_tables(sa.MetaData(), schema),
                                                 since=since, topic=topic)
        return counts
    finally:
        await engine.dispose()


async def dead_letters(database_url: str, *, replayed: bool = False) -> list[dict[str, Any]]:
    engine = make_engine(database_url, pool_size=2)
    try:
        out: list[dict[str, Any]] = []
        for schema in await _existing_schemas(engine):
            t = delivery_tables(sa.MetaData(), schema).dead_letter
            stmt = sa.select(t).order_by(t.c.id)
            if not replayed:
                stmt = stmt.where(t.c.replayed_at.is_(None))
            async with engine.connect() as conn:
                out += [{"service": schema, **r._asdict()} for r in await conn.execute(stmt)]
        return out
    finally:
        await engine.dispose()


async def replay_dead_letters(database_url: str, bootstrap: str, ids: list[int] | None = None,
                              service: str | None = None) -> int:
    """Re-publish dead letters to their original topic (after a fix) and mark them replayed."""
    from aiokafka import AIOKafkaProducer

    rows = [r for r in await dead_letters(database_url)
            if (ids is None or r["id"] in ids) and (service is None or r["service"] == service)]
    if not rows:
        return 0
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=False)
    engine = make_engine(database_url, pool_size=2)
    await producer.start()
    try:
        for row in rows:
            headers = [(k, str(v).encode()) for k, v in (row["headers"] or {}).items()]
            await producer.send_and_wait(row["topic"], row["payload"], key=row["key"], headers=headers)
            t = delivery_tables(sa.MetaData(), row["service"]).dead_letter
            async with engine.begin() as conn:
                await conn.execute(sa.update(t).where(t.c.id == row["id"]).values(replayed_at=sa.func.now()))
        return len(rows)
    finally:
        await producer.stop()
        await engine.dispose()


async def audit_history(database_url: str, reference: str) -> list[dict[str, Any]]:
    """Intake's append-only audit trail for one concern (the operator's read-only view)."""
    engine = make_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(sa.text(
                "SELECT at, actor, actor_kind, actor_role, action, why, channel FROM intake.audit "
                "WHERE reference = :r ORDER BY id"), {"r": reference})
            return [dict(r._mapping) for r in rows]
    finally:
        await engine.dispose()


async def rotate_data_keys(database_url: str) -> dict[str, tuple[int, int]]:
    """Re-wrap intake's, early years' and notifications' data keys under each one's current KEK (from
    the same environment the services read); returns, per service, (re-wrapped, still under an older key)."""
    from early_years.adapters.orm import data_key as early_years_keys
    from early_years.bootstrap import keyring_of as early_years_keyring
    from early_years.config import EarlyYearsSettings
    from frontdoor_shared.at_rest import Keyring, rewrap
    from intake.adapters.orm import data_key as intake_keys
    from intake.bootstrap import keyring_of as intake_keyring
    from intake.config import IntakeSettings
    from notifications.adapters.orm import data_key as notifications_keys
    from notifications.bootstrap import keyring_of as notifications_keyring
    from notifications.config import NotificationsSettings

    plan: list[tuple[str, sa.Table, Keyring]] = [
        ("intake", intake_keys, intake_keyring(IntakeSettings(DATABASE_URL=database_url))),
        ("early-years", early_years_keys, early_years_keyring(EarlyYearsSettings(DATABASE_URL=database_url))),
        ("notifications", notifications_keys, notifications_keyring(NotificationsSettings(DATABASE_URL=database_url))),
    ]
    engine = make_engine(database_url, pool_size=2)
    try:
        out = {}
        for service, table, keyring in plan:
            rewrapped = await rewrap(engine, table, keyring)
            async with engine.connect() as conn:
                left = int(await conn.scalar(sa.select(sa.func.count()).select_from(table)
                                             .where(table.c.kek_id != keyring.current)) or 0)
            out[service] = (rewrapped, left)
        return out
    finally:
        await engine.dispose()
