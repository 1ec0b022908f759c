"""Scenario 5: poison partner events (not JSON, wrong schema, huge, missing CloudEvents attributes,
unknown type) go to the dead-letter topic, exactly those, each with its reason; the good event
sent after them is still handled, and the platform keeps running."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest
from aiokafka import AIOKafkaConsumer

from tests.e2e.test_partner_events import _event, _mine, _send
from tests.support import a_concern, wait_for

pytestmark = pytest.mark.faults


async def _dead_lettered(bootstrap: str, marker: bytes) -> list[tuple[bytes, dict[str, str]]]:
    consumer = AIOKafkaConsumer("partner.concerns.v1.dlq", bootstrap_servers=bootstrap, group_id=None,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    found = []
    try:
        for _ in range(5):
            batch = await consumer.getmany(timeout_ms=1500, max_records=10000)
            for records in batch.values():
                found += [(r.value or b"", {k: v.decode() for k, v in r.headers}) for r in records
                          if marker in (r.value or b"")]
    finally:
        await consumer.stop()
    return found


def test_poison_is_dead_lettered_exactly_with_reasons_and_nothing_stops(platform) -> None:  # type: ignore[no-untyped-def]
    marker = uuid.uuid4().hex
    good = json.loads(_event(platform, a_concern(age_months=70, given_name="Aftertheflood")))
    base = {**good, "id": f"poison-{marker}"}
    poison = {
        "not JSON": f"<<not json {marker}>>".encode(),
        "wrong schema": json.dumps({**base, "data": {"jwe": 42}}).encode(),
        "huge": json.dumps({**base, "data": {"jwe": "x" * 300_000}}).encode(),
        "missing attributes": json.dumps({k: v for k, v in base.items() if k not in ("specversion", "source")}
                                         ).encode(),
        "unknown type": json.dumps({**base, "type": "uk.frontdoor.partner.unknown.v9"}).encode(),
    }
    before = {c["reference"] for c in _mine(platform)}
    started = time.monotonic()
    _send(platform, *poison.values(), json.dumps(good).encode())
    wait_for(lambda: len({c["reference"] for c in _mine(platform)} - before) == 1, 90, "the good event handled")
    wait_for(lambda: len(asyncio.run(_dead_lettered(platform.bootstrap, marker.encode()))) >= len(poison), 60,
             "every poison input dead-lettered")
    dead = asyncio.run(_dead_lettered(platform.bootstrap, marker.encode()))
    reasons = [h["x-dlq-reason"] for _, h in dead]
    print(f"poison: sent={len(poison)} dead-lettered={len(dead)} recovery={time.monotonic() - started:.1f}s")
    assert len(dead) == len(poison), "exactly the poison inputs"
    assert all(h["x-dlq-original-topic"] == "partner.concerns.v1" for _, h in dead)
    assert any("JSON" in r for r in reasons)
    assert any("data.jwe" in r for r in reasons)
    assert any("limit" in r for r in reasons)
    assert any("specversion" in r for r in reasons)
    assert any("type" in r for r in reasons)
    assert all(platform.procs[name].poll() is None for name in platform.procs), "no service stopped"
