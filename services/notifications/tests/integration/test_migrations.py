"""Migration 0002 keeps messages recorded under 0001 readable, and can be undone; 0004 gives the
sender's claim an index it can walk in order."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

from frontdoor_cli.testing import empty_database
from frontdoor_shared.migrations import upgrade
from notifications.adapters.repository import CLAIM
from notifications.entrypoints.main import MIGRATIONS

pytestmark = pytest.mark.integration


def _downgrade(url: str, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["url"], cfg.attributes["schema"] = url, "notifications"
    command.downgrade(cfg, revision)




async def test_0002_moves_the_provider_out_of_channel_and_back(test_stack) -> None:  # type: ignore[no-untyped-def]
    url = await empty_database(test_stack.database_url)
    await asyncio.to_thread(upgrade, MIGRATIONS, url, "notifications", "0001")
    conn = await asyncpg.connect(url)
    try:
        now = datetime.now(UTC)
        await conn.execute(
            "INSERT INTO notifications.message (id, dedupe_key, concern_id, reference, audience, channel, template,"
            " about_event_id, about_event_type, to_address, subject, body, status, created_at, sent_at)"
            " VALUES ($1, 'k', $2, 'FD-TEST-0001', 'family', 'dev-mailbox', 'family/case-listed', 'e', 't',"
            " 'sms:07700 900123', 's', 'b', 'delivered', $3, $3)", uuid.uuid4(), uuid.uuid4(), now)
        await asyncio.to_thread(upgrade, MIGRATIONS, url, "notifications")
        upgraded = await conn.fetchrow("SELECT channel, provider, attempts, status_at FROM notifications.message")
        await asyncio.to_thread(_downgrade, url, "0001")
        downgraded = await conn.fetchrow("SELECT channel FROM notifications.message")
    finally:
        await conn.close()
    assert dict(upgraded) == {"channel": "sms", "provider": "dev-mailbox", "attempts": 0, "status_at": now}
    assert downgraded["channel"] == "dev-mailbox"


async def test_0004_the_senders_claim_walks_the_due_index_in_order(test_stack) -> None:  # type: ignore[no-untyped-def]
    """The claim reads pending messages in due order straight off ix_message_due and stops at its
    limit: no sort of every pending row (0002's index could not give that order)."""
    url = await empty_database(test_stack.database_url)
    await asyncio.to_thread(upgrade, MIGRATIONS, url, "notifications")
    now = datetime.now(UTC)
    compiled = CLAIM.compile(dialect=asyncpg_dialect())
    params = {"now": now, "lease_until": now + timedelta(minutes=5), "limit": 32}
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SET enable_seqscan = off")  # an empty table: ask for the plan a full one gets
        plan = "\n".join(r[0] for r in await conn.fetch(
            "EXPLAIN " + compiled.string, *[params.get(k, compiled.params[k]) for k in compiled.positiontup or []]))
    finally:
        await conn.close()
    assert "ix_message_due" in plan, plan
    assert "Sort" not in plan, plan


async def _fillfactor(conn: asyncpg.Connection, schema: str, table: str) -> str | None:
    options = await conn.fetchval(
        "SELECT reloptions FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = $1 AND c.relname = $2", schema, table)
    return next((o.partition("=")[2] for o in options or [] if o.startswith("fillfactor=")), None)


async def test_0005_a_message_marked_sent_keeps_its_page(test_stack) -> None:  # type: ignore[no-untyped-def]
    """Messages fill a page only half, so the sender's mark (every message is updated once, soon
    after it is recorded) puts the new version beside the old: a same-page update, whose
    write-ahead log holds only the changed bytes. On a full page it moves, whole row logged."""
    url = await empty_database(test_stack.database_url)
    await asyncio.to_thread(upgrade, MIGRATIONS, url, "notifications")
    conn = await asyncpg.connect(url)
    try:
        body = "x" * 1200  # an encrypted message body's size in the benchmark's mix (~1.2 KB)
        now = datetime.now(UTC)
        ids = [uuid.uuid4() for _ in range(12)]
        await conn.execute(
            "INSERT INTO notifications.message (id, dedupe_key, concern_id, reference, audience, channel, template,"
            " about_event_id, about_event_type, to_address, subject, body, status, created_at)"
            " SELECT i, i::text, i, 'FD-TEST-0001', 'family', 'email', 'family/concern-received', i::text, 't',"
            " 'email:x', 's', $2, 'pending', $3 FROM unnest($1::uuid[]) AS i", ids, body, now)
        before = dict(await conn.fetch("SELECT id, (ctid::text::point)[0] FROM notifications.message"))
        await conn.execute("UPDATE notifications.message SET status = 'sent', sent_at = $1, provider_id = id::text",
                           now)
        after = dict(await conn.fetch("SELECT id, (ctid::text::point)[0] FROM notifications.message"))
        options = {t: await _fillfactor(conn, "notifications", t) for t in ("message", "outbox")}
        await asyncio.to_thread(_downgrade, url, "0004")
        undone = {t: await _fillfactor(conn, "notifications", t) for t in ("message", "outbox")}
    finally:
        await conn.close()
    assert len(set(before.values())) > 1  # the rows span pages: each page's own room was tested
    assert after == before, "a message's sent version left its page"
    assert options == {"message": "50", "outbox": "50"}
    assert undone == {"message": None, "outbox": None}


async def test_0007_names_the_team_each_step_recorded_before_it_waits_on(test_stack) -> None:  # type: ignore[no-untyped-def]
    """Steps recorded before the journey kept its pathway get it from their own words, so a team
    routed to before the upgrade is chased too; steps that wait on no team get none."""
    from frontdoor_shared.topics import PATHWAYS
    from notifications.domain import messages as m
    from notifications.domain.journey import Facts, step_for

    url = await empty_database(test_stack.database_url)
    await asyncio.to_thread(upgrade, MIGRATIONS, url, "notifications", "0006")
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    facts = {f"{kind}-{p}": Facts(kind=kind, at=at, outcome="routed", pathway=p, statutory_decision_due=(
        at.date() + timedelta(weeks=6) if p == "statutory" else None)) for p in PATHWAYS for kind in (m.TRIAGED,
                                                                                                     m.DECIDED)}
    facts["submitted"] = Facts(kind=m.SUBMITTED, at=at)
    facts["listed"] = Facts(kind=m.LISTED, at=at)
    conn = await asyncpg.connect(url)
    try:
        for name, fact in facts.items():
            step = step_for(fact)
            assert step is not None
            await conn.execute(
                "INSERT INTO notifications.journey (event_id, concern_id, reference, event_type, status, line,"
                " next_step, expected_by, at) VALUES ($1, $2, 'FD-TEST-0007', 't', $3, $4, $5, $6, $7)",
                name, uuid.uuid4(), step.status, step.line, step.next_step, step.expected_by, at)
        await asyncio.to_thread(upgrade, MIGRATIONS, url, "notifications")
        named = {r["event_id"]: r["pathway"] for r in await conn.fetch(
            "SELECT event_id, pathway FROM notifications.journey")}
    finally:
        await conn.close()
    assert named == {name: (None if fact.pathway is None or fact.kind in (m.SUBMITTED, m.LISTED)
                            else step_for(fact).pathway)  # type: ignore[union-attr]
                     for name, fact in facts.items()}
    assert named["triaged-slcn"] == "slcn"
    assert named["panel-decision-universal-advice"] == "universal-advice"
    assert named["triaged-statutory"] == "statutory"
