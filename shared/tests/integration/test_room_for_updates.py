"""Every service's outbox leaves room on its pages for the one update each row gets (the relay's
mark), so the marked version stays beside the old one: a same-page update, logged as the bytes
that changed, not a moved row logged whole (`migrations.UPDATED_ONCE_FILLFACTOR`)."""

from __future__ import annotations

import asyncio
import json
import uuid

import asyncpg
import pytest

from frontdoor_cli.testing import empty_database, migrate_all
from frontdoor_shared.migrations import UPDATED_ONCE_FILLFACTOR

pytestmark = pytest.mark.integration
SCHEMAS = ("intake", "triage", "early_years", "notifications")


async def test_an_outbox_row_marked_published_keeps_its_page(test_stack) -> None:  # type: ignore[no-untyped-def]
    url = await empty_database(test_stack.database_url)
    await asyncio.to_thread(migrate_all, url)
    conn = await asyncpg.connect(url)
    moved: dict[str, int] = {}
    spans: dict[str, int] = {}
    options: dict[str, list[str]] = {}
    try:
        payload = json.dumps({"data": "x" * 1000}).encode()  # an event's size in the benchmark's mix (~1.2 KB a row)
        for schema in SCHEMAS:
            ids = [str(uuid.uuid4()) for _ in range(16)]
            await conn.execute(
                f"INSERT INTO {schema}.outbox (event_id, topic, key, event_type, payload, headers)"
                " SELECT e, 't', e, 'y', $2::bytea, '{}'::jsonb FROM unnest($1::text[]) AS e", ids, payload)
            page = f"SELECT id, (ctid::text::point)[0] FROM {schema}.outbox"
            before = dict(await conn.fetch(page))
            await conn.execute(f"UPDATE {schema}.outbox SET published_at = now() WHERE published_at IS NULL")
            after = dict(await conn.fetch(page))
            moved[schema] = sum(before[i] != after[i] for i in before)
            spans[schema] = len(set(before.values()))
            options[schema] = await conn.fetchval(
                "SELECT reloptions FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = $1 AND c.relname = 'outbox'", schema) or []
    finally:
        await conn.close()
    assert all(span > 1 for span in spans.values()), spans  # every page's room was tried
    assert moved == dict.fromkeys(SCHEMAS, 0)
    assert options == {schema: [f"fillfactor={UPDATED_ONCE_FILLFACTOR}"] for schema in SCHEMAS}
