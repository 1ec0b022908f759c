"""Exactly one message per status change, through a GOV.UK Notify-compatible server: well-formed
requests, receipts that update each message, retries, fallback to the next channel with staff
told, nothing new on redelivery or replay, and a send reconciled after a crash."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from notifications.adapters import orm
from notifications.adapters.repository import MessageRepository
from notifications.testing import events, new_concern, people

pytestmark = pytest.mark.integration
FLOW = ("submitted", "triaged-panel", "listed", "decided")


def _done(rows: list[Any], template: str, statuses: tuple[str, ...] = ("sent", "delivered")) -> bool:
    return any(r.template == template and r.status in statuses for r in rows)


async def test_a_concern_through_the_whole_flow_tells_the_family_once_per_status_change(world, wait) -> None:  # type: ignore[no-untyped-def]
    concern_id, reference = new_concern()
    story = events(concern_id, reference)
    for name in FLOW:
        await world.publish(story[name])

    async def all_delivered() -> bool:
        rows = await world.messages(reference)
        return len(rows) == 7 and all(r.status == "delivered" for r in rows)

    await wait(all_delivered, "seven messages delivered, by Notify's receipts", timeout=45)
    rows = await world.messages(reference)
    family = sorted(r.template for r in rows if r.audience == "family")
    assert family == ["family/case-listed", "family/concern-submitted", "family/concern-triaged-panel",
                      "family/panel-decision"]
    assert {r.to_address for r in rows if r.audience == "family"} == {"email:grace.testparent@example.com"}
    assert sorted(r.template for r in rows if r.audience == "referrer") == [
        "referrer/concern-submitted", "referrer/concern-triaged-panel", "referrer/panel-decision"]
    for row in rows:
        (request,) = world.fake.sent_to(str(row.id))  # exactly one request per message
        assert request.token_ok, "the JWT must carry iss (service id) and a fresh iat, signed with the secret"
        assert request.kind == "email"
        assert uuid.UUID(request.body["reference"]) == row.id
        assert "Amara" not in request.body["reference"]
        assert request.body["template_id"] == world.svc.settings.notify_email_template_id
        assert request.body["personalisation"] == {"subject": row.subject, "body": row.body}
        assert row.provider_id in world.fake.notifications
    statuses = sorted((e["message_id"], e["status"]) for e in await world.announced(reference))
    assert statuses == sorted([(str(r.id), s) for r in rows for s in ("sent", "delivered")])


async def test_an_event_delivered_twice_sends_one_message(world, wait) -> None:  # type: ignore[no-untyped-def]
    concern_id, reference = new_concern()
    story = events(concern_id, reference)
    first = await world.publish(story["submitted"])
    await world.publish(story["submitted"], event=first)  # the broker redelivers the same event
    triaged = await world.publish(story["triaged-panel"])
    await world.publish(story["triaged-panel"], event=triaged)
    await world.publish(story["listed"])  # after the duplicates, on the same partition

    async def all_sent() -> bool:
        rows = await world.messages(reference)
        return _done(rows, "family/case-listed") and all(r.status in ("sent", "delivered") for r in rows)

    await wait(all_sent, "the message after the duplicates, and every message handed to Notify")
    rows = await world.messages(reference)
    assert sorted(r.template for r in rows if r.audience == "family") == [
        "family/case-listed", "family/concern-submitted", "family/concern-triaged-panel"]
    assert sum(len(world.fake.sent_to(str(r.id))) for r in rows) == len(rows)


async def test_replaying_every_topic_from_the_start_sends_nothing_new(world, wait) -> None:  # type: ignore[no-untyped-def]
    async def nothing_pending() -> bool:
        async with world.svc.runtime.engine.connect() as conn:
            pending = await conn.scalar(sa.select(sa.func.count()).select_from(orm.message)
                                        .where(orm.message.c.status == "pending"))
        return pending == 0

    await wait(nothing_pending, "earlier tests' messages all handed over before the snapshot")
    requests_before = len(world.fake.received)
    async with world.svc.runtime.engine.connect() as conn:
        messages_before = await conn.scalar(sa.select(sa.func.count()).select_from(orm.message))
    replayed = await world.replay_everything()
    # a new event after each replayed concern's events, on the same partition: when each has a
    # journey line, every replayed event before it has been handled
    markers = []
    for concern_id, reference in {(e.concern_id, e.reference) for e in _published_concerns(world)}:
        marker = events(concern_id, reference)["action-assigned"]
        await world.publish(marker)
        markers.append(reference)

    async def markers_handled() -> bool:
        for reference in markers:
            if not any(j.status == "action-assigned" for j in await world.journey(reference)):
                return False
        return True

    await wait(markers_handled, "every replayed concern's marker")
    async with world.svc.runtime.engine.connect() as conn:
        messages_after = await conn.scalar(sa.select(sa.func.count()).select_from(orm.message))
    assert replayed >= 7
    assert messages_after == messages_before
    assert len(world.fake.received) == requests_before


def _published_concerns(world) -> list[Any]:  # type: ignore[no-untyped-def]
    import json

    found = []
    for _, value, _ in world.published:
        data = json.loads(value)["data"]
        found.append(type("C", (), {"concern_id": uuid.UUID(data["concern_id"]), "reference": data["reference"]}))
    return found


async def test_a_provider_error_is_retried_with_backoff_and_sent_once(world, wait) -> None:  # type: ignore[no-untyped-def]
    concern_id, reference = new_concern()
    world.fake.fail_next["flaky@example.com"] = [500, 503]
    await world.publish(events(concern_id, reference, people(email="flaky@example.com"))["submitted"])

    async def sent() -> bool:
        return _done(await world.messages(reference), "family/concern-submitted")

    await wait(sent, "the family's message after two provider errors")
    (row,) = [r for r in await world.messages(reference) if r.audience == "family"]
    assert [r.answered for r in world.fake.sent_to(str(row.id))] == [500, 503, 201]
    assert row.attempts == 3
    assert len([n for n in world.fake.notifications.values() if n["reference"] == str(row.id)]) == 1


async def test_a_refused_text_falls_back_to_a_letter_and_staff_are_told(world, wait) -> None:  # type: ignore[no-untyped-def]
    concern_id, reference = new_concern()
    world.fake.always_fail["07700 900999"] = 400
    who = people(preferred="sms", email=None, phone="07700 900999")
    await world.publish(events(concern_id, reference, who)["submitted"])

    async def fell_back() -> bool:
        rows = await world.messages(reference)
        return _done(rows, "family/concern-submitted") and _done(rows, "staff/delivery-failed")

    await wait(fell_back, "a letter instead of the refused text, and staff told")
    rows = await world.messages(reference)
    failed = next(r for r in rows if r.channel == "sms")
    letter = next(r for r in rows if r.channel == "letter")
    staff = next(r for r in rows if r.template == "staff/delivery-failed")
    assert failed.status == "failed"
    assert "400" in failed.last_error
    assert letter.fallback_of == failed.id
    assert letter.body == failed.body
    (request,) = world.fake.sent_to(str(letter.id))
    assert request.kind == "letter"
    assert request.body["personalisation"]["address_line_1"] == "Grace Testparent"
    assert staff.to_address == f"email:{world.svc.settings.staff_email}"
    assert "sending it again by letter" in staff.body
    assert "07700" not in staff.body
    assert ("failed", str(failed.id)) in {(e["status"], e["message_id"]) for e in await world.announced(reference)}


async def test_a_permanent_failure_receipt_falls_back_to_the_next_channel(world, wait) -> None:  # type: ignore[no-untyped-def]
    concern_id, reference = new_concern()
    world.fake.receipts["bounce@example.com"] = "permanent-failure"
    await world.publish(events(concern_id, reference, people(email="bounce@example.com"))["submitted"])

    async def texted() -> bool:
        rows = await world.messages(reference)
        return any(r.channel == "sms" and r.status == "delivered" for r in rows) and \
            _done(rows, "staff/delivery-failed")

    await wait(texted, "a text after the email bounced, and staff told")
    email = next(r for r in await world.messages(reference) if r.audience == "family" and r.channel == "email")
    assert email.status == "failed"
    assert email.last_error == "GOV.UK Notify reported permanent-failure"


async def test_receipts_need_notifys_bearer_token(world) -> None:  # type: ignore[no-untyped-def]
    receipt = {"id": str(uuid.uuid4()), "reference": str(uuid.uuid4()), "status": "delivered"}
    token = world.svc.settings.notify_callback_token.get_secret_value()
    async with world.http() as http:
        missing = await http.post("/callbacks/notify", json=receipt)
        wrong = await http.post("/callbacks/notify", json=receipt, headers={"Authorization": "Bearer nope"})
        unknown = await http.post("/callbacks/notify", json=receipt,
                                  headers={"Authorization": f"Bearer {token}"})
    assert (missing.status_code, wrong.status_code, unknown.status_code) == (401, 401, 404)


async def test_a_send_that_happened_before_a_crash_is_reconciled_not_repeated(world, wait) -> None:  # type: ignore[no-untyped-def]
    concern_id, reference = new_concern()
    message_id, now = uuid.uuid4(), world.clock()
    world.fake.notifications["notify-before-crash"] = {
        "id": "notify-before-crash", "reference": str(message_id), "status": "sending", "type": "email",
        "address": "grace.testparent@example.com"}
    async with world.svc.runtime.engine.begin() as conn:  # taken and sent, then the process died
        await MessageRepository(conn, world.svc.context.keyring).add_once(
            id=message_id, dedupe_key=f"crash|{message_id}", concern_id=concern_id, reference=reference,
            audience="family", channel="email", provider="notify", template="family/case-listed",
            about_event_id=str(uuid.uuid4()), about_event_type="uk.frontdoor.early-years.case.listed.v1",
            to_address="email:grace.testparent@example.com", subject="s", body="b", status="pending",
            attempts=1, next_attempt_at=now - timedelta(seconds=1), created_at=now)

    async def reconciled() -> bool:
        return _done(await world.messages(reference), "family/case-listed", ("sent",))

    await wait(reconciled, "the message recorded as sent from Notify's own record")
    (row,) = await world.messages(reference)
    assert row.provider_id == "notify-before-crash"
    assert world.fake.sent_to(str(message_id)) == []



async def test_a_decision_whose_note_cannot_be_opened_is_dead_lettered_and_the_rest_are_told(  # type: ignore[no-untyped-def]
        world, wait) -> None:
    from frontdoor_shared.sealed import generate_keypair, seal

    concern_id, reference = new_concern()
    story = events(concern_id, reference)
    stranger = seal(generate_keypair()[1], b"sealed for some other service")
    bad = await world.publish(story["decided"].model_copy(update={"note_sealed": stranger}))
    for name in ("submitted", "triaged-panel", "listed"):  # likely in the same batch as the bad one
        await world.publish(story[name])
    dead = world.svc.runtime.tables.dead_letter

    async def dead_lettered() -> list[Any]:
        async with world.svc.runtime.engine.connect() as conn:
            rows = (await conn.execute(sa.select(dead))).all()
        return [r for r in rows if json.loads(r.payload)["id"] == bad.id]

    await wait(lambda: _has(dead_lettered), "the undecipherable decision dead-lettered")
    (row,) = await dead_lettered()
    assert row.error_type == "SealError"
    assert "sealed data cannot be opened" in row.reason

    async def told() -> bool:
        return _done(await world.messages(reference), "family/case-listed")

    await wait(told, "the other events of the batch still tell the family")
    assert "family/panel-decision" not in {r.template for r in await world.messages(reference)}


async def _has(rows: Any) -> bool:
    return bool(await rows())


def _two_carers(second: dict[str, Any]) -> dict[str, Any]:
    who = people()
    who["family"]["carers"].append({"given_name": "Sam", "family_name": "Testparent", "relationship": "father",
                                    "email": None, "phone": None, "address": None, **second})
    return who


async def test_every_carer_given_is_told_each_by_their_own_name_once(world, wait) -> None:  # type: ignore[no-untyped-def]
    """Parents who live apart both hear: each family message goes to every carer the referrer gave
    a way to reach, each its own message (its own key), and a replay sends neither again."""
    concern_id, reference = new_concern()
    story = events(concern_id, reference, _two_carers({"email": "sam.testparent@example.com"}))
    published = {name: await world.publish(story[name]) for name in ("submitted", "triaged-routed")}

    async def both_told() -> bool:
        rows = [r for r in await world.messages(reference) if r.audience == "family"]
        return len(rows) == 4 and all(r.status in ("sent", "delivered") for r in rows)

    await wait(both_told, "both carers told of both changes")
    family = [r for r in await world.messages(reference) if r.audience == "family"]
    by_address = {(r.to_address, r.template) for r in family}
    assert by_address == {(f"email:{who}", template)
                          for who in ("grace.testparent@example.com", "sam.testparent@example.com")
                          for template in ("family/concern-submitted", "family/concern-triaged-routed")}
    for row in family:
        (request,) = world.fake.sent_to(str(row.id))
        greeting = "Sam" if "sam." in row.to_address else "Grace"
        assert greeting in request.body["personalisation"]["body"]
    for name, event in published.items():  # the broker redelivers both: nothing new for either carer
        await world.publish(story[name], event=event)
    await world.publish(events(concern_id, reference)["listed"])
    await wait(lambda: _count_family(world, reference, 6), "the next change told to both")
    assert len([r for r in await world.messages(reference) if r.audience == "family"]) == 6


async def _count_family(world, reference: str, n: int) -> bool:  # type: ignore[no-untyped-def]
    return len([r for r in await world.messages(reference) if r.audience == "family"]) >= n


async def test_a_second_carer_with_no_usable_contact_is_not_messaged(world, wait) -> None:  # type: ignore[no-untyped-def]
    concern_id, reference = new_concern()
    await world.publish(events(concern_id, reference, _two_carers({}))["submitted"])
    await wait(lambda: _count_family(world, reference, 1), "the first carer told")
    await world.publish(events(concern_id, reference)["listed"])
    await wait(lambda: _count_family(world, reference, 2), "the next change told")
    family = [r for r in await world.messages(reference) if r.audience == "family"]
    assert {r.to_address for r in family} == {"email:grace.testparent@example.com"}


async def test_a_refused_text_to_the_second_carer_falls_back_to_their_own_letter(world, wait) -> None:  # type: ignore[no-untyped-def]
    concern_id, reference = new_concern()
    world.fake.always_fail["07700 900777"] = 400
    who = _two_carers({"phone": "07700 900777", "address": "2 Other Road, Testtown, TE2 2ND"})
    who["family"]["preferred_channel"] = "sms"
    await world.publish(events(concern_id, reference, who)["submitted"])

    async def fell_back() -> bool:
        rows = await world.messages(reference)
        return any(r.channel == "letter" and r.status in ("sent", "delivered") for r in rows)

    await wait(fell_back, "a letter to the second carer instead of their refused text")
    rows = [r for r in await world.messages(reference) if r.audience == "family"]
    failed = next(r for r in rows if r.to_address == "sms:07700 900777")
    letter = next(r for r in rows if r.channel == "letter")
    assert failed.status == "failed"
    assert letter.fallback_of == failed.id
    assert letter.to_address == "letter:Sam Testparent, 2 Other Road, Testtown, TE2 2ND"
    assert any(r.to_address == "sms:07700 900123" and r.status in ("sent", "delivered") for r in rows)


async def test_metrics_count_the_messages_waiting_and_the_oldest_ones_wait(world) -> None:  # type: ignore[no-untyped-def]
    """/metrics' readings with a message set up to be counted: one waiting an hour to be tried again
    is counted, with its wait; once it goes, it is not."""
    from notifications.adapters.readings import readings

    def read(metrics: list[Any]) -> dict[str, float]:
        return {m.name: m.samples[0].value for m in metrics}

    concern_id, reference = new_concern()
    message_id, now = uuid.uuid4(), world.clock()
    async with world.svc.runtime.engine.begin() as conn:
        before = read(await readings(conn))
        await MessageRepository(conn, world.svc.context.keyring).add_once(
            id=message_id, dedupe_key=f"metrics|{message_id}", concern_id=concern_id, reference=reference,
            audience="family", channel="email", provider="dev", template="family/case-listed",
            about_event_id=str(uuid.uuid4()), about_event_type="uk.frontdoor.early-years.case.listed.v1",
            to_address="email:grace.testparent@example.com", subject="s", body="b", status="pending",
            attempts=1, next_attempt_at=now + timedelta(hours=1), created_at=now - timedelta(hours=1))
    async with world.svc.runtime.engine.begin() as conn:
        waiting = read(await readings(conn))
        await conn.execute(sa.update(orm.message).where(orm.message.c.id == message_id).values(status="sent"))
    async with world.svc.runtime.engine.begin() as conn:
        after = read(await readings(conn))
    assert waiting["frontdoor_messages_waiting"] == before["frontdoor_messages_waiting"] + 1
    assert 3590 <= waiting["frontdoor_messages_oldest_waiting_seconds"] < 3600 + 300
    assert after["frontdoor_messages_waiting"] == before["frontdoor_messages_waiting"]
    assert after["frontdoor_messages_oldest_waiting_seconds"] < 3590
