"""Migration 0004: the panel chair's free text that panel-decision v1 brought into triage results
and routed-referral events kept in the outbox (for replay) is taken out; every other reason stays."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

import triage
from frontdoor_cli.testing import empty_database
from frontdoor_shared.migrations import upgrade

pytestmark = pytest.mark.integration
MIGRATIONS = Path(triage.__file__).parent / "migrations"
FREE = {"rule": "panel-reason", "text": "Legacyfree: Ava's mum told the panel"}
CODED = {"rule": "panel:family-views", "text": "The family's views and wishes shaped the decision."}


async def test_0004_takes_the_chairs_free_text_out_of_results_and_stored_events(test_stack) -> None:  # type: ignore[no-untyped-def]
    url = await empty_database(test_stack.database_url)
    await asyncio.to_thread(upgrade, MIGRATIONS, url, "triage", "0003")
    concern_id, now = uuid.uuid4(), datetime.now(UTC)
    routed = {"specversion": "1.0", "id": "e1", "source": "triage", "type": "uk.frontdoor.triage.referral.routed.v1",
              "data": {"concern_id": str(concern_id), "pathway": "outreach", "reasons": [FREE, CODED]}}
    other = {"specversion": "1.0", "id": "e2", "source": "triage", "type": "uk.frontdoor.triage.concern.triaged.v1",
             "data": {"concern_id": str(concern_id), "reasons": [CODED]}}
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO triage.triage_result (concern_id, reference, outcome, pathway, priority, reasons, missing,"
            " policy_version, decided_by, facts, triaged_at) VALUES ($1, 'FD-LEGA-CY03', 'routed', 'outreach',"
            " 'routine', $2::jsonb, '[]', 't', 'panel', '{}', $3)", concern_id, json.dumps([FREE, CODED]), now)
        for event in (routed, other):
            await conn.execute("INSERT INTO triage.outbox (event_id, topic, key, event_type, payload, published_at)"
                               " VALUES ($1, 'referrals.outreach.v1', $2, $3, $4, $5)", event["id"],
                               str(concern_id), event["type"], json.dumps(event).encode(), now)
        await asyncio.to_thread(upgrade, MIGRATIONS, url, "triage")
        reasons = json.loads(await conn.fetchval("SELECT reasons::text FROM triage.triage_result"))
        stored = {r["event_id"]: (r["topic"], r["event_type"], json.loads(r["payload"]))
                  for r in await conn.fetch("SELECT event_id, topic, event_type, payload FROM triage.outbox")}
    finally:
        await conn.close()
    assert reasons == [CODED]
    topic, event_type, event = stored["e1"]
    assert (topic, event_type) == ("referrals.outreach.v1", routed["type"])  # still the same event, in place
    assert event["data"]["reasons"] == [CODED]
    assert "Legacyfree" not in json.dumps(stored)
    assert stored["e2"][2] == other  # an event without the free text is left as it was
