"""Migration 0006: a decision stored with the chair's free-text reason in clear keeps the text
only encrypted, and a stored panel-decision v1 event becomes v2 with the text sealed."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
import pytest

import early_years
from early_years.adapters.notes import PURPOSE
from early_years.bootstrap import keyring_of
from early_years.config import EarlyYearsSettings
from frontdoor_cli.testing import empty_database
from frontdoor_shared.at_rest import decrypt
from frontdoor_shared.migrations import upgrade
from frontdoor_shared.sealed import development_keypair, open_sealed

pytestmark = pytest.mark.integration
MIGRATIONS = Path(early_years.__file__).parent / "migrations"
TEXT = "Legacynote: Ava's mother says the nursery plan helps at home."
V1 = "uk.frontdoor.early-years.panel.decision.v1"




def _v1_event(concern_id: uuid.UUID) -> bytes:
    return json.dumps({
        "specversion": "1.0", "id": str(uuid.uuid4()), "source": "early-years", "type": V1,
        "dataschema": f"https://frontdoor.example/schemas/{V1}.json", "subject": "FD-LEGA-CY01",
        "data": {"concern_id": str(concern_id), "reference": "FD-LEGA-CY01", "outcome": "overridden",
                 "pathway": "outreach", "priority": "routine",
                 "reasons": [{"rule": "panel-reason", "text": TEXT}]}}).encode()


async def test_0006_encrypts_stored_reasons_and_rewrites_stored_v1_events(test_stack) -> None:  # type: ignore[no-untyped-def]
    url = await empty_database(test_stack.database_url)
    await asyncio.to_thread(upgrade, MIGRATIONS, url, "early_years", "0005")
    concern_id, case_id, meeting_id, now = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), datetime.now(UTC)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("INSERT INTO early_years.panel (id, name) VALUES ('p', 'Panel')")
        await conn.execute("INSERT INTO early_years.panel_meeting (id, panel_id, date, status) "
                           "VALUES ($1, 'p', $2, 'planned')", meeting_id, date(2026, 3, 5))
        await conn.execute(
            "INSERT INTO early_years.panel_case (id, concern_id, reference, priority, need_codes, ranges, reasons,"
            " status, listed_at, panel_id) VALUES ($1, $2, 'FD-LEGA-CY01', 'routine', '[]', '[]', '[]', 'decided',"
            " $3, 'p')", case_id, concern_id, now)
        await conn.execute(
            "INSERT INTO early_years.decision (id, case_id, meeting_id, outcome, pathway, priority, reason, present,"
            " agencies_present, decided_by, decided_at) VALUES ($1, $2, $3, 'overridden', 'outreach', 'routine',"
            " $4, '[]', '[]', 'panel-chair', $5)", uuid.uuid4(), case_id, meeting_id, TEXT, now)
        await conn.execute("INSERT INTO early_years.outbox (event_id, topic, key, event_type, payload, published_at)"
                           " VALUES ('e1', 'early-years.panel-decision.v1', $1, $2, $3, $4)",
                           str(concern_id), V1, _v1_event(concern_id), now)
        await asyncio.to_thread(upgrade, MIGRATIONS, url, "early_years")
        decision = await conn.fetchrow("SELECT d.*, k.wrapped FROM early_years.decision d "
                                       "JOIN early_years.data_key k ON k.owner_id = $1", concern_id)
        outbox = await conn.fetchrow("SELECT topic, event_type, payload FROM early_years.outbox")
        with pytest.raises(asyncpg.PostgresError, match="never edited"):  # the guard is back on after the move
            await conn.execute("UPDATE early_years.decision SET outcome = 'confirmed'")
    finally:
        await conn.close()
    assert "reason" not in decision.keys()  # noqa: SIM118 - a Record's `in` looks at its values
    assert json.loads(decision["reason_codes"]) == []
    assert "Legacynote" not in decision["note"]
    key = keyring_of(EarlyYearsSettings()).unwrap(decision["wrapped"], concern_id)
    assert decrypt(key, decision["note"], purpose=PURPOSE, owner=concern_id).decode() == TEXT
    assert (outbox["topic"], outbox["event_type"]) == ("early-years.panel-decision.v2",
                                                       "uk.frontdoor.early-years.panel.decision.v2")
    assert b"Legacynote" not in outbox["payload"]
    event = json.loads(outbox["payload"])
    assert event["type"] == "uk.frontdoor.early-years.panel.decision.v2"
    assert event["data"]["reasons"] == []
    assert open_sealed(development_keypair()[0], event["data"]["note_sealed"]).decode() == TEXT
