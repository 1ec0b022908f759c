"""Triage as its own process (`frontdoor-triage serve --migrate`) on the real PostgreSQL and broker.

Concerns are published on `intake.concern-submitted.v1` as intake publishes them; the routed
referrals are read back from the public `referrals.<pathway>.v1` topics. Then the same process
is restarted with `TRIAGE_POLICY_FILE` pointing at Example Council B: the same facts are routed
differently, with no code change. Completion is judged from the database, never from offsets.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from frontdoor_shared import topics
from frontdoor_shared.contracts import ConcernSubmittedV1
from frontdoor_shared.envelope import new_event
from triage.adapters.policy_loader import shipped_policy

pytestmark = pytest.mark.e2e

THIN = {"concern_id", "reference", "routed_at", "pathway", "priority", "age_in_months", "need_codes",
        "ranges", "reasons", "decided_by", "policy_version", "details_url", "received_on", "statutory_decision_due"}
REFERRALS = [topics.referrals(p) for p in topics.PATHWAYS]
SEALED = "c2VhbGVkLWZvci1ub3RpZmljYXRpb25zLWFsb25l"


def concern(**overrides: Any) -> ConcernSubmittedV1:
    """A school-age child at cognition and learning range 4, a term of support tried."""
    concern_id = uuid.uuid4()
    fields: dict[str, Any] = {
        "concern_id": concern_id, "reference": f"FD-{concern_id.hex[:4].upper()}-E2E0",
        "submitted_at": datetime.now(UTC), "channel": "api", "referrer_role": "school-senco",
        "age_in_months": 96, "compulsory_school_age_from": date(2024, 9, 1), "need_codes": ["MLD"],
        "ranges": [{"area": "C&L", "range": 4}], "tried_for_weeks": 12, "recipients_sealed": SEALED,
    }
    return ConcernSubmittedV1.model_validate({**fields, **overrides})


@pytest.fixture(scope="module", autouse=True)
def default_policy_afterwards(platform):  # type: ignore[no-untyped-def]
    """These tests restart the shared platform's triage with other policies; put it back after."""
    yield
    platform.extra_env.pop("TRIAGE_POLICY_FILE", None)
    platform.stop_service("triage")
    platform.start_service("triage")
    platform.wait_healthy("triage", 90)


async def _start_triage(platform: Any, policy: str) -> str:
    await asyncio.to_thread(platform.stop_service, "triage")
    platform.extra_env["TRIAGE_POLICY_FILE"] = str(shipped_policy(policy))
    platform.start_service("triage")
    await asyncio.to_thread(platform.wait_healthy, "triage", 90)
    async with httpx.AsyncClient(timeout=5) as client:
        health = (await client.get(f"http://127.0.0.1:{platform.ports['triage']}/health")).json()
    return health["policy_version"]  # type: ignore[no-any-return]


async def _publish(bootstrap: str, *concerns: ConcernSubmittedV1) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=False)
    await producer.start()
    try:
        for c in concerns:
            event = new_event(c, source="urn:frontdoor:intake", subject=c.reference)
            await producer.send_and_wait(c.TOPIC, event.to_bytes(), key=str(c.concern_id).encode())
    finally:
        await producer.stop()


async def _triaged(database_url: str, *concerns: ConcernSubmittedV1, timeout: float = 60) -> dict[str, Any]:
    """Poll triage's results until every concern has one and its events left the outbox."""
    ids = [c.concern_id for c in concerns]
    conn = await asyncpg.connect(database_url)
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            rows = await conn.fetch("SELECT concern_id, outcome, pathway FROM triage.triage_result "
                                    "WHERE concern_id = ANY($1::uuid[])", ids)
            waiting = await conn.fetchval("SELECT count(*) FROM triage.outbox WHERE key = ANY($1::text[]) "
                                          "AND published_at IS NULL", [str(i) for i in ids])
            if len(rows) == len(ids) and waiting == 0:
                return {str(r["concern_id"]): (r["outcome"], r["pathway"]) for r in rows}
            await asyncio.sleep(0.25)
    finally:
        await conn.close()
    raise AssertionError(f"triage did not decide {len(ids)} concern(s) within {timeout:.0f}s")


async def _records(bootstrap: str, names: list[str], key: str, timeout: float = 20) -> list[Any]:
    consumer = AIOKafkaConsumer(*names, bootstrap_servers=bootstrap, group_id=None,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            found = [r for rs in batch.values() for r in rs if r.key == key.encode()]
            if found:
                return found
    finally:
        await consumer.stop()
    return []


async def test_a_routed_referral_reaches_its_pathway_topic_thin_and_with_its_reasons(
        platform: Any, test_stack: Any) -> None:
    assert await _start_triage(platform, "default") == "default-2026.1"
    routed, escalated = concern(), concern(safeguarding=True)

    await _publish(test_stack.bootstrap, routed, escalated)
    decided = await _triaged(platform.database_url, routed, escalated)

    assert decided == {str(routed.concern_id): ("routed", "outreach"),
                       str(escalated.concern_id): ("safeguarding", None)}
    [record] = await _records(test_stack.bootstrap, REFERRALS, str(routed.concern_id))
    assert record.topic == "referrals.outreach.v1"
    data = json.loads(record.value)["data"]
    assert set(data) == THIN
    assert (data["decided_by"], data["policy_version"]) == ("policy", "default-2026.1")
    assert data["reasons"][0]["rule"] == "outreach-range-4"
    assert SEALED.encode() not in record.value
    [alert] = await _records(test_stack.bootstrap, [topics.SAFEGUARDING_ESCALATED], str(escalated.concern_id))
    assert json.loads(alert.value)["data"]["reference"] == escalated.reference


async def test_pointing_triage_at_another_council_policy_changes_the_routing_of_the_same_facts(
        platform: Any, test_stack: Any) -> None:
    assert await _start_triage(platform, "example-council-b") == "council-b-2026.1"
    same_facts = concern()

    await _publish(test_stack.bootstrap, same_facts)
    decided = await _triaged(platform.database_url, same_facts)

    assert decided == {str(same_facts.concern_id): ("panel", "sen-support")}
