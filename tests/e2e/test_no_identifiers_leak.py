"""Nothing about a child on the wire or in the logs: seed concerns with known identifiers, run the
whole flow (the panel's decision with a note naming the child included), then read every record of
every topic and every log line: zero hits."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from tests.e2e.test_partner_events import _event, _send
from tests.support import a_concern, decide_as_chair, mailbox, post_concern, wait_for

pytestmark = pytest.mark.e2e

GIVEN, FAMILY, CARER = "Zebedeeleak", "Quixoticleak", "Marigoldleak"
NHS = "9990000026"
IDENTIFIERS = [GIVEN, FAMILY, CARER, NHS, "999 000 0026", "SW1A 2AA", "marigold.leak@example.com",
               "07700 900777", "2022-02-03", "Quietly lines up toy cars for hours"]


def _seeded() -> dict:  # type: ignore[type-arg]
    body = a_concern(age_months=40, given_name=GIVEN)
    body["child"].update(family_name=FAMILY, nhs_number=NHS, postcode="sw1a 2aa",
                         date_of_birth=date(2022, 2, 3).isoformat())
    carer = body["family"]["carers"][0]
    carer.update(given_name=CARER, email="marigold.leak@example.com", phone="07700 900777")
    body["concern"]["description"] = "Quietly lines up toy cars for hours and has few words."
    return body


async def _every_record(bootstrap: str) -> list[bytes]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    topics = [t for t in await admin.list_topics() if not t.startswith("__")]
    await admin.close()
    consumer = AIOKafkaConsumer(*topics, bootstrap_servers=bootstrap, group_id=f"leak-scan-{uuid.uuid4()}",
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    records: list[bytes] = []
    try:
        idle = 0
        while idle < 3:
            batch = await consumer.getmany(timeout_ms=2000, max_records=5000)
            got = [r for rs in batch.values() for r in rs]
            idle = 0 if got else idle + 1
            for r in got:
                records.append((r.key or b"") + b"|" + (r.value or b"") + b"|" + json.dumps(
                    [(k, v.decode(errors="replace")) for k, v in (r.headers or [])]).encode())
    finally:
        await consumer.stop()
    return records


def test_no_identifier_reaches_any_topic_or_log_line(platform) -> None:  # type: ignore[no-untyped-def]
    accepted = post_concern(platform, _seeded())
    assert accepted.status_code == 202, accepted.text
    reference = accepted.json()["reference"]
    partner_body = _seeded()
    partner_body["child"]["nhs_number"] = NHS
    _send(platform, _event(platform, partner_body))
    wait_for(lambda: any(m["audience"] == "family" and "case-listed" in m["template"]
                         for m in mailbox(platform, reference)), 90, "the flow completes")
    decide_as_chair(platform, reference, f"{GIVEN} and {CARER} came to the panel; the plan is helping.")
    wait_for(lambda: any(m["template"] == "family/panel-decision" for m in mailbox(platform, reference)), 90,
             "the panel's decision reaches the family")
    # The family's messages are the one place the names belong: they prove the seed went through,
    # the chair's note (which names the child and the carer) included.
    assert any(GIVEN in m["body"] for m in mailbox(platform, reference))
    assert any(f"{GIVEN} and {CARER} came to the panel" in m["body"] for m in mailbox(platform, reference))

    records = asyncio.run(_every_record(platform.bootstrap))
    assert len(records) > 5
    hits = {ident: sum(ident.encode() in r for r in records) for ident in IDENTIFIERS}
    assert hits == dict.fromkeys(IDENTIFIERS, 0), "identifiers on a topic"

    logs = "".join(p.read_text(errors="replace") for p in platform.logs.glob("*.log"))
    assert logs, "the services log"
    log_hits = {ident: logs.count(ident) for ident in IDENTIFIERS}
    assert log_hits == dict.fromkeys(IDENTIFIERS, 0), "identifiers in the logs"
