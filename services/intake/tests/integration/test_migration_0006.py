"""Migration 0006: the panel chair's free text that panel-decision v1 put in the status history is
taken out; every other reason stays."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from frontdoor_cli.testing import empty_database
from frontdoor_shared.migrations import upgrade
from intake.entrypoints.main import MIGRATIONS

pytestmark = pytest.mark.integration
CODED = {"rule": "panel:family-views", "text": "The family's views and wishes shaped the decision."}


async def test_0006_takes_the_chairs_free_text_out_of_the_status_history(test_stack) -> None:  # type: ignore[no-untyped-def]
    url = await empty_database(test_stack.database_url)
    await asyncio.to_thread(upgrade, MIGRATIONS, url, "intake", "0005")
    concern_id, now = uuid.uuid4(), datetime.now(UTC)
    detail = {"outcome": "overridden", "reasons": [{"rule": "panel-reason", "text": "Legacyfree: Ava's mum says"},
                                                   CODED]}
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("INSERT INTO intake.concern (id, reference, channel, status, submitted_at, updated_at)"
                           " VALUES ($1, 'FD-LEGA-CY02', 'api', 'panel-decided', $2, $2)", concern_id, now)
        for status, line in (("panel-decided", detail), ("triaged", {"reasons": [CODED], "missing": []})):
            await conn.execute("INSERT INTO intake.status_history (concern_id, status, detail, at)"
                               " VALUES ($1, $2, $3::jsonb, $4)", concern_id, status, json.dumps(line), now)
        await asyncio.to_thread(upgrade, MIGRATIONS, url, "intake")
        details = {r["status"]: json.loads(r["detail"]) for r in await conn.fetch(
            "SELECT status, detail::text AS detail FROM intake.status_history")}
    finally:
        await conn.close()
    assert "Legacyfree" not in json.dumps(details)
    assert details["panel-decided"] == {"outcome": "overridden", "reasons": [CODED]}
    assert details["triaged"] == {"reasons": [CODED], "missing": []}  # untouched
