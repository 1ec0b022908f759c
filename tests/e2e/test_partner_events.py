"""A partner's system sends a concern as a CloudEvent on partner.concerns.v1 with a plain Kafka
client (aiokafka, not our publisher): it is stored once, reaches triage, and poison is dead-lettered."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from frontdoor_cli.ops import dead_letters
from intake.adapters.partner_keys import encrypt_for
from intake.adapters.partner_signing import development_signing_key, signed_concern
from tests.support import a_concern, auth, mailbox, status_of, wait_for

pytestmark = pytest.mark.e2e


def _event(platform, body: dict, event_id: str | None = None, *, signing_key=None,  # type: ignore[no-untyped-def]
           signed: bool = True) -> bytes:
    """The demo partner's event: the concern signed with its key (the development one unless
    `signing_key`), as a nested JWT encrypted for intake; `signed=False` sends the concern unsigned."""
    jwks = httpx.get(f"http://127.0.0.1:{platform.ports['intake']}/api/v1/jwks.json").json()
    event_id = event_id or str(uuid.uuid4())
    if signed:
        token = signed_concern(signing_key or development_signing_key(), "demo-partner", event_id, body,
                               issued_at=int(time.time()))
        jwe = encrypt_for(jwks["keys"][0], token.encode(), nested_jwt=True)
    else:
        jwe = encrypt_for(jwks["keys"][0], json.dumps(body).encode())
    return json.dumps({
        "specversion": "1.0", "id": event_id, "source": "urn:frontdoor:partner:demo-partner",
        "type": "uk.frontdoor.partner.concern.submitted.v1", "time": datetime.now(UTC).isoformat(),
        "datacontenttype": "application/json", "data": {"jwe": jwe},
    }).encode()


def _send(platform, *values: bytes) -> None:  # type: ignore[no-untyped-def]
    async def go() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=platform.bootstrap, acks="all", enable_idempotence=False)
        await producer.start()
        try:
            for value in values:
                await producer.send_and_wait("partner.concerns.v1", value, key=uuid.uuid4().bytes)
        finally:
            await producer.stop()
    asyncio.run(go())


def _heard(platform) -> list[dict]:  # type: ignore[no-untyped-def]
    """Every event on the demo partner's own topic, read from the start with a plain Kafka client,
    as the partner's system would (each the data of a PartnerConcernStatusV1, with its record key)."""
    async def go() -> list[dict]:  # type: ignore[type-arg]
        consumer = AIOKafkaConsumer(bootstrap_servers=platform.bootstrap, enable_auto_commit=False,
                                    auto_offset_reset="earliest")
        await consumer.start()
        try:
            topic = "partner.demo-partner.status.v1"
            if topic not in await consumer.topics():
                return []
            consumer.assign([TopicPartition(topic, 0)])
            await consumer.seek_to_beginning()
            out: list[dict] = []  # type: ignore[type-arg]
            while batch := await consumer.getmany(timeout_ms=1500):
                for records in batch.values():
                    for r in records:
                        event = json.loads(r.value)
                        assert event["type"] == "uk.frontdoor.intake.partner.concern.status.v1"
                        out.append({**event["data"], "_key": r.key.decode(), "_raw": r.value.decode()})
            return out
        finally:
            await consumer.stop()
    return asyncio.run(go())


async def _inbox_ids(platform, event_ids: list[str]) -> set[str]:  # type: ignore[no-untyped-def]
    """The ids in intake's inbox that are, or name, these events."""
    import sqlalchemy as sa

    from frontdoor_shared.db import make_engine

    engine = make_engine(platform.database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(sa.text("SELECT event_id FROM intake.inbox WHERE event_id = ANY(:ids)"), {
                "ids": [*event_ids, *(f"refused:{i}" for i in event_ids)]})
            return {r.event_id for r in rows}
    finally:
        await engine.dispose()


def _heard_of(platform, key: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [e["status"] for e in _heard(platform) if e["idempotency_key"] == key]


def _mine(platform) -> list[dict]:  # type: ignore[no-untyped-def]
    r = httpx.get(f"http://127.0.0.1:{platform.ports['intake']}/api/v1/concerns", headers=auth(platform))
    r.raise_for_status()
    return r.json()  # type: ignore[no-any-return]


def test_a_partner_event_sent_twice_is_stored_once_and_reaches_triage(platform) -> None:  # type: ignore[no-untyped-def]
    before = {c["reference"] for c in _mine(platform)}
    value = _event(platform, a_concern(age_months=80, given_name="Partnerchild"), event_id=str(uuid.uuid4()))
    _send(platform, value, value)
    wait_for(lambda: len({c["reference"] for c in _mine(platform)} - before) >= 1, 60, "partner concern stored")
    new = {c["reference"] for c in _mine(platform)} - before
    assert len(new) == 1
    reference = new.pop()
    wait_for(lambda: status_of(platform, reference)["status"] != "submitted", 60, "triaged")
    statuses = [h["status"] for h in status_of(platform, reference)["history"]]
    assert statuses[0] == "submitted"
    assert any(s in statuses for s in ("routed", "more-information-needed", "triaged"))


def test_poison_partner_events_are_dead_lettered_with_their_reasons(platform) -> None:  # type: ignore[no-untyped-def]
    bad_concern = a_concern()
    bad_concern["child"]["nhs_number"] = "943 476 5918"
    wrong_type = json.loads(_event(platform, a_concern()))
    wrong_type["type"] = "uk.frontdoor.partner.something-else.v1"
    missing_id = json.loads(_event(platform, a_concern()))
    del missing_id["id"]
    not_encrypted = json.loads(_event(platform, a_concern()))
    not_encrypted["data"] = {"jwe": "eyJhbGciOiJub25lIn0.not-a-real-jwe.x.y.z"}
    # the source says demo-partner, but the concern is not signed, or signed by someone else's key
    # under the demo partner's key id: neither proves its sender, and neither is stored
    from joserfc.jwk import ECKey

    before = {c["reference"] for c in _mine(platform)}
    forger = ECKey.generate_key("P-256", {"kid": development_signing_key().kid}, private=True)
    ids = {name: str(uuid.uuid4()) for name in ("bad", "unsigned", "forged")}
    unsigned = _event(platform, a_concern(given_name="Unsignedchild"), ids["unsigned"], signed=False)
    forged = _event(platform, a_concern(given_name="Forgedchild"), ids["forged"], signing_key=forger)
    _send(platform, b"{not json", _event(platform, bad_concern, ids["bad"]), json.dumps(wrong_type).encode(),
          json.dumps(missing_id).encode(), json.dumps(not_encrypted).encode(), unsigned, forged)

    def poison() -> list[dict]:  # type: ignore[type-arg]
        rows = asyncio.run(dead_letters(platform.database_url))
        return [r for r in rows if r["topic"] == "partner.concerns.v1"]

    wait_for(lambda: len(poison()) >= 7, 60, "seven dead letters")
    reasons = [r["reason"] for r in poison()]
    assert any("requires 'demo-partner' to sign its events" in r for r in reasons)
    assert any("signature does not verify under 'demo-partner'" in r for r in reasons)
    assert {c["reference"] for c in _mine(platform)} == before  # none of them was stored
    assert any("JSON" in r for r in reasons)
    assert any("nhs_number" in r for r in reasons)
    assert any("type" in r for r in reasons)
    assert any("id" in r and "Field required" in r for r in reasons)
    assert any("jwe" in r for r in reasons)
    assert all("5918" not in r for r in reasons)

    # the partner hears, on its own topic, which of its events were refused and why (by field, never
    # the value); what cannot be read as its event at all (not JSON, no id, a type it cannot send) is
    # the council's to see in the dead letters
    wait_for(lambda: all(_heard_of(platform, i) == ["refused"] for i in ids.values()), 60, "refusals heard")
    heard = {e["idempotency_key"]: e for e in _heard(platform) if e["idempotency_key"] in {*ids.values(),
                                                                                         not_encrypted["id"]}}
    assert heard[not_encrypted["id"]]["problems"][0]["field"] == "data.jwe"
    assert [p["field"] for p in heard[ids["bad"]]["problems"]] == ["child.nhs_number"]
    assert "sign its events" in heard[ids["unsigned"]]["problems"][0]["reason"]
    assert "does not verify" in heard[ids["forged"]]["problems"][0]["reason"]
    assert all(e["reference"] is None and e["_key"] == e["idempotency_key"] for e in heard.values())
    assert not any("5918" in e["_raw"] for e in heard.values())
    # told once, under an inbox id of its own: the event's own id stays free, so a dead letter replayed
    # once its cause is mended (a follow-up above all, which its inbox row would stop) takes effect
    inbox = asyncio.run(_inbox_ids(platform, [*ids.values(), not_encrypted["id"]]))
    assert inbox == {f"refused:{i}" for i in [*ids.values(), not_encrypted["id"]]}


def test_the_operator_lists_shows_and_replays_dead_letters(platform, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from frontdoor_cli.main import app

    monkeypatch.setenv("DATABASE_URL", platform.database_url)
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", platform.bootstrap)
    _send(platform, b"not json at all")
    wait_for(lambda: any(r["payload"] == b"not json at all" for r in asyncio.run(dead_letters(platform.database_url))),
             60, "dead letter recorded")
    target = next(r for r in asyncio.run(dead_letters(platform.database_url)) if r["payload"] == b"not json at all")
    runner = CliRunner()
    listed = runner.invoke(app, ["dlq", "list"])
    assert listed.exit_code == 0, listed.output
    pending = len(asyncio.run(dead_letters(platform.database_url)))
    assert f"{pending} dead letter(s)" in listed.output
    shown = runner.invoke(app, ["dlq", "show", str(target["id"])])
    assert "JSON" in shown.output
    assert "not json at all" not in shown.output  # the payload is never printed
    replayed = runner.invoke(app, ["dlq", "replay", str(target["id"])])
    assert "1 dead letter(s) re-published" in replayed.output
    # still poison after the "fix" that was not made: it is dead-lettered again, nothing crashes
    wait_for(lambda: sum(r["payload"] == b"not json at all"
                         for r in asyncio.run(dead_letters(platform.database_url, replayed=True))) >= 2,
             60, "replayed poison dead-lettered again")


def test_a_status_event_for_a_concern_intake_never_accepted_is_dead_lettered_by_name(platform) -> None:  # type: ignore[no-untyped-def]
    from frontdoor_shared.contracts import ConcernTriagedV1
    from frontdoor_shared.envelope import new_event

    stranger = uuid.uuid4()
    triaged = ConcernTriagedV1(concern_id=stranger, reference="FD-ZZZZ-ZZZZ", triaged_at=datetime.now(UTC),
                               outcome="routed", pathway="slcn", priority="routine", policy_version="test")
    event = new_event(triaged, source="urn:test", subject="FD-ZZZZ-ZZZZ")

    async def go() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=platform.bootstrap, acks="all", enable_idempotence=False)
        await producer.start()
        try:
            await producer.send_and_wait(triaged.TOPIC, event.to_bytes(), key=str(stranger).encode())
        finally:
            await producer.stop()
    asyncio.run(go())

    def intake_refused() -> list[dict]:  # type: ignore[type-arg]
        return [r for r in asyncio.run(dead_letters(platform.database_url))
                if r["service"] == "intake" and r["error_type"] == "UnknownConcern"
                and str(stranger).encode() in (r["key"] or b"")]

    wait_for(lambda: bool(intake_refused()), 60, "intake dead-letters the stranger's event")
    assert "no concern with this id" in intake_refused()[0]["reason"]


def test_a_burst_of_partner_events_is_stored_once_each_and_its_one_poison_dead_lettered(platform) -> None:  # type: ignore[no-untyped-def]
    """Sent together they are consumed as one batch and written as one group; the refused event
    sends the batch back to one-at-a-time, so the rest are still stored, each once."""
    def poison() -> list[dict]:  # type: ignore[type-arg]
        return [r for r in asyncio.run(dead_letters(platform.database_url)) if r["topic"] == "partner.concerns.v1"]

    before = {c["reference"] for c in _mine(platform)}
    dead_before = {r["id"] for r in poison()}
    good = [_event(platform, a_concern(age_months=40 + i, given_name=f"Burst{i}")) for i in range(12)]
    bad_concern = a_concern(given_name="Burstbad")
    bad_concern["child"]["nhs_number"] = "943 476 5918"
    _send(platform, *good[:6], _event(platform, bad_concern), good[3], *good[6:])
    wait_for(lambda: len({c["reference"] for c in _mine(platform)} - before) >= 12, 90, "twelve partner concerns")
    wait_for(lambda: len(poison()) > len(dead_before), 60, "the poison")
    assert len({c["reference"] for c in _mine(platform)} - before) == 12  # the repeated event stored once
    new = [r for r in poison() if r["id"] not in dead_before]
    assert len(new) == 1
    assert "nhs_number" in new[0]["reason"]


def _follow_up(platform, event_type: str, claims: dict, event_id: str | None = None) -> bytes:  # type: ignore[no-untyped-def]
    """The demo partner's signed follow-up of a concern it sent as an event."""
    from intake.adapters.partner_signing import signed_claims

    jwks = httpx.get(f"http://127.0.0.1:{platform.ports['intake']}/api/v1/jwks.json").json()
    event_id = event_id or str(uuid.uuid4())
    token = signed_claims(development_signing_key(), "demo-partner", event_id, claims, issued_at=int(time.time()))
    return json.dumps({
        "specversion": "1.0", "id": event_id, "source": "urn:frontdoor:partner:demo-partner", "type": event_type,
        "time": datetime.now(UTC).isoformat(), "datacontenttype": "application/json",
        "data": {"jwe": encrypt_for(jwks["keys"][0], token.encode(), nested_jwt=True)},
    }).encode()


def test_a_partner_answers_the_council_and_then_withdraws_by_signed_events(platform) -> None:  # type: ignore[no-untyped-def]
    """All by events: a toddler's concern without evidence, triage asks, the partner answers with
    the concern section as it now stands, triage decides again (the panel), then the partner
    withdraws it, naming it by the id of the event that sent it; the family hears each step."""
    before = {c["reference"] for c in _mine(platform)}
    body = a_concern(age_months=26, given_name="Eventfollowup")
    body["child"]["nhs_number"] = "999 000 0042"
    body["concern"] |= {"tried": [], "screening": []}
    sent = str(uuid.uuid4())
    _send(platform, _event(platform, body, event_id=sent))
    wait_for(lambda: len({c["reference"] for c in _mine(platform)} - before) >= 1, 60, "partner concern stored")
    [reference] = {c["reference"] for c in _mine(platform)} - before
    wait_for(lambda: status_of(platform, reference)["status"] == "more-information-needed", 60, "triage asks")

    about = body["concern"] | {"tried": [{"what": "Small group language sessions at nursery", "weeks": 10}],
                               "screening": [{"tool": "WellComm", "outcome": "red", "area": "C&I"}]}
    _send(platform, _follow_up(platform, "uk.frontdoor.partner.concern.information-added.v1",
                               {"concern_event_id": sent, "concern": about}))
    wait_for(lambda: status_of(platform, reference)["status"] in ("triaged", "listed-for-panel"), 60,
             "triage decides again on the partner's answer")

    _send(platform, _follow_up(platform, "uk.frontdoor.partner.concern.withdrawn.v1",
                               {"concern_event_id": sent, "reason": "moved-away"}))
    wait_for(lambda: status_of(platform, reference)["status"] == "withdrawn", 60, "withdrawn by the partner")
    statuses = [h["status"] for h in status_of(platform, reference)["history"]]
    assert statuses.index("more-information-needed") < statuses.index("information-added") < statuses.index(
        "withdrawn")
    wait_for(lambda: "family/concern-withdrawn" in {m["template"] for m in mailbox(platform, reference)}, 60,
             "the family told it was withdrawn")

    # the partner's system heard each step on its own topic, under the id of the event it sent
    wait_for(lambda: "withdrawn" in _heard_of(platform, sent), 60, "the partner hears of the withdrawal")
    heard = [e for e in _heard(platform) if e["idempotency_key"] == sent]
    steps = [e["status"] for e in heard]
    assert steps[:3] == ["submitted", "more-information-needed", "information-added"]
    assert steps[-1] == "withdrawn"
    assert {e["reference"] for e in heard} == {reference}
    assert heard[1]["detail"]["missing"]  # what triage asked for, as the status API shows it
    assert heard[-1]["detail"] == {"reason": "moved-away"}
    assert all(e["_key"] == sent for e in heard)
