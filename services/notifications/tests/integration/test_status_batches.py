"""Status events taken as a set per batch record exactly the messages, journey steps, recipients
and held events that the per-event use case records for each in order (real PostgreSQL)."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from frontdoor_cli.testing import fresh_database
from frontdoor_shared.contracts import ConcernErasedV1
from frontdoor_shared.envelope import CloudEvent
from notifications.adapters import orm
from notifications.adapters.channels.base import ChannelResult
from notifications.adapters.repository import MessageRepository
from notifications.bootstrap import Notifications
from notifications.config import NotificationsSettings
from notifications.service_layer import sender as sender_module
from notifications.service_layer.erasure import erase_concern
from notifications.service_layer.notify import handle_status, handle_statuses
from notifications.service_layer.sender import Sender
from notifications.testing import NOW, envelope, events, people

pytestmark = pytest.mark.integration


GONE = events(uuid.uuid4(), "FD-TEST-0009")


def _batches() -> list[list[tuple[CloudEvent, Any, str]]]:
    """Two batches about six concerns, as the broker may deliver them (topics are not ordered)."""
    whole, early, orphan, held, unreachable, quit_ = (events(uuid.uuid4(), f"FD-TEST-000{n}") for n in range(6))
    unreachable["submitted"] = events(unreachable["submitted"].concern_id, unreachable["submitted"].reference,
                                      people(email=None, phone=None, address=None))["submitted"]

    def item(data: Any) -> tuple[CloudEvent, Any, str]:
        return envelope(data), data, data.TOPIC

    first = [item(whole["submitted"]), item(early["triaged-routed"]), item(whole["triaged-panel"]),
             item(held["triaged-routed"]), item(early["submitted"]), item(orphan["triaged-routed"]),
             item(whole["listed"]), item(unreachable["submitted"]), item(GONE["submitted"]), item(whole["decided"]),
             item(quit_["submitted"]), item(quit_["withdrawn"]), item(quit_["triaged-panel"])]  # news after withdrawal
    second = [item(held["submitted"]), item(whole["action-assigned"]), item(unreachable["triaged-routed"])]
    return [first, second]


async def _world(test_stack: Any) -> Notifications:
    database = await asyncio.to_thread(fresh_database, test_stack)
    svc = Notifications(NotificationsSettings(DATABASE_URL=database, KAFKA_BOOTSTRAP_SERVERS=test_stack.bootstrap),
                        clock=lambda: NOW)
    gone = ConcernErasedV1(concern_id=GONE["submitted"].concern_id, reference=GONE["submitted"].reference,
                           erased_at=NOW, reason="erasure-request")
    await erase_concern(svc.runtime.uow(), envelope(gone), gone, gone.TOPIC)  # news of it comes late
    return svc


async def _state(svc: Notifications) -> dict[str, Any]:
    async with svc.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(orm.message))).all()
        messages = await MessageRepository(conn, svc.context.keyring).opened(list(rows))
        journey = (await conn.execute(sa.select(orm.journey.c.event_id, orm.journey.c.status, orm.journey.c.line,
                                                orm.journey.c.at))).all()
        held = (await conn.execute(sa.select(orm.pending_notice.c.event_id, orm.pending_notice.c.topic))).all()
        recipients = (await conn.execute(sa.select(orm.recipient.c.concern_id, orm.recipient.c.sealed))).all()
        links = await conn.scalar(sa.select(sa.func.count()).select_from(orm.status_link))
        outbox = (await conn.execute(sa.select(svc.runtime.tables.outbox.c.event_type))).all()
    by_key = {m.dedupe_key: m for m in messages}

    def shown(m: Any) -> tuple[Any, ...]:  # ids and private links are random: compare what they point at
        body = re.sub(r"/status/[A-Za-z0-9_\-]+", "/status/TOKEN", m.body)
        origin = by_key_of_id.get(m.fallback_of)
        return (m.audience, m.channel, m.template, m.status, m.to_address, m.subject, body, m.about_event_id,
                m.last_error, origin)

    by_key_of_id = {m.id: k for k, m in by_key.items()}

    def key(k: str) -> str:  # a staff alert's key names the failed message's (random) id
        return "|".join(by_key_of_id.get(_uuid(part), part) for part in k.split("|"))

    return {"messages": {key(k): shown(m) for k, m in by_key.items()}, "journey": sorted(map(tuple, journey)),
            "held": sorted(map(tuple, held)), "recipients": sorted(map(tuple, recipients)), "links": links,
            "outbox": sorted(r[0] for r in outbox)}


def _uuid(text: str) -> Any:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


@pytest.mark.parametrize("lease", [False, True], ids=["for-a-round", "handed-over"])
async def test_batches_as_sets_record_what_each_event_alone_would(test_stack, lease) -> None:  # type: ignore[no-untyped-def]
    batches = _batches()
    one_by_one = await _world(test_stack)
    for batch in batches:
        for event, data, topic in batch:
            await handle_status(one_by_one.runtime.uow(), event, data, topic, one_by_one.context)

    as_sets = await _world(test_stack)
    for batch in batches:
        async with as_sets.runtime.batch_scope() as scope:
            await scope.claim((event, topic) for event, _, topic in batch)
            await handle_statuses(as_sets.runtime.uow(), batch, as_sets.context, lease=lease)

    expected, got = await _state(one_by_one), await _state(as_sets)
    assert got == expected, "\n".join(_diff(expected, got))
    templates = sorted(m[2] for m in got["messages"].values())
    assert "family/panel-decision" in templates
    assert "staff/delivery-failed" in templates  # the family no one can reach: staff are told
    assert [topic for _, topic in got["held"]] == ["triage.concern-triaged.v1"]  # the orphan waits
    assert got["links"] == 5  # one private link per family that can be told
    told_quit = sorted(m[2] for m in got["messages"].values() if m[5] and "FD-TEST-0005" in m[5])
    assert told_quit == ["family/concern-submitted", "family/concern-withdrawn", "referrer/concern-submitted"]
    assert GONE["submitted"].concern_id not in {c for c, _ in got["recipients"]}  # erased: nothing kept


def _diff(expected: dict[str, Any], got: dict[str, Any]) -> list[str]:
    out = []
    for k in sorted(set(expected["messages"]) | set(got["messages"])):
        if expected["messages"].get(k) != got["messages"].get(k):
            out.append(f"{k}\n  per-event: {expected['messages'].get(k)}\n  as sets:   {got['messages'].get(k)}")
    return out


async def test_a_round_of_sends_is_recorded_as_one_set_and_a_receipt_that_overtook_a_send_stands(  # type: ignore[no-untyped-def]
        test_stack) -> None:
    from notifications.service_layer import outcomes

    svc = await _world(test_stack)
    batch = _batches()[0][:3]
    async with svc.runtime.batch_scope() as scope:
        await scope.claim((event, topic) for event, _, topic in batch)
        await handle_statuses(svc.runtime.uow(), batch, svc.context)
    async with svc.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(orm.message).order_by(orm.message.c.dedupe_key))).all()
    first, second, *_ = rows
    async with svc.runtime.engine.begin() as conn:  # the provider's receipt for the second came first
        await conn.execute(sa.update(orm.message).where(orm.message.c.id == second.id).values(status="delivered"))
    async with svc.runtime.uow() as uow:
        await outcomes.record_sent_many(uow, svc.context, [(first, ChannelResult("p-1", "sent")),
                                                           (second, ChannelResult("p-2", "sent"))])
        announced = [uuid.UUID(m["message_id"]) for e in uow.emitted for m in e.data["messages"]]
        await uow.commit()
    async with svc.runtime.engine.connect() as conn:
        after = {r.id: r for r in (await conn.execute(sa.select(orm.message))).all()}
    assert (after[first.id].status, after[first.id].provider_id) == ("sent", "p-1")
    assert (after[second.id].status, after[second.id].provider_id) == ("delivered", "p-2")
    assert announced == [first.id]  # only a send that changed the message is announced


class _Recording:
    """The dev mailbox, remembering every message it was asked to send."""

    name, kinds = "dev-mailbox", frozenset({"email", "sms", "letter"})

    def __init__(self) -> None:
        self.sent: list[uuid.UUID] = []

    async def send(self, message: Any) -> Any:
        self.sent.append(message.id)
        return ChannelResult(f"dev-{message.id}", "delivered")

    async def find(self, message_id: uuid.UUID) -> Any:
        return None

    async def close(self) -> None:
        return None


async def _messages(svc: Notifications) -> dict[uuid.UUID, Any]:
    async with svc.runtime.engine.connect() as conn:
        return {r.id: r for r in (await conn.execute(sa.select(orm.message))).all()}


async def test_a_round_announces_the_messages_about_each_event_of_a_concern_in_one_event(  # type: ignore[no-untyped-def]
        test_stack) -> None:
    from notifications.service_layer import outcomes

    svc = await _world(test_stack)
    batch = _batches()[0]
    async with svc.runtime.batch_scope() as scope:
        await scope.claim((event, topic) for event, _, topic in batch)
        await handle_statuses(svc.runtime.uow(), batch, svc.context)
    async with svc.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(orm.message).where(orm.message.c.status == "pending")
                                   .order_by(orm.message.c.dedupe_key))).all()
    about: dict[tuple[Any, str], list[Any]] = {}
    for row in rows:
        about.setdefault((row.concern_id, row.about_event_id), []).append(row)
    assert len(rows) > len(about) > 1  # some events told more than one person, about more than one event
    async with svc.runtime.uow() as uow:
        await outcomes.record_sent_many(uow, svc.context, [(row, ChannelResult(f"p-{row.id}", "sent"))
                                                           for row in rows])
        emitted = list(uow.emitted)
        await uow.commit()
    assert len(emitted) == len(about)  # not one event per message
    for event in emitted:
        told = about[(uuid.UUID(event.data["concern_id"]), event.causationid)]
        assert event.type == "uk.frontdoor.notifications.notification.sent.v2"
        assert event.subject == event.data["reference"] == told[0].reference
        assert event.data["about_event_type"] == told[0].about_event_type
        assert [(m["message_id"], m["audience"], m["template"], m["status"]) for m in event.data["messages"]] == [
            (str(r.id), r.audience, r.template, "sent") for r in told]


async def test_a_batch_hands_its_messages_to_the_sender_already_taken_and_a_lost_hand_over_comes_back(  # type: ignore[no-untyped-def]
        test_stack) -> None:
    """Messages a consumed batch records are taken for this sender as they are recorded (no
    round's claim can take them), sent once the batch commits, exactly once each; if the hand
    over is lost (the process died), a round takes them when the lease runs out, as after any
    crash mid-send (an attempt after the first asks the provider first)."""
    svc, channel = await _world(test_stack), _Recording()
    sender = Sender(svc.runtime, channel, svc.context)  # type: ignore[arg-type]
    first, second = _batches()
    lease = timedelta(seconds=svc.settings.send_lease_seconds)

    async with svc.runtime.batch_scope() as scope:
        await scope.claim((event, topic) for event, _, topic in first)
        recorded = await handle_statuses(svc.runtime.uow(), first, svc.context, lease=True)
    taken = {row.id for row in recorded.leased}
    stored = await _messages(svc)
    assert taken
    assert taken < set(stored)
    assert all((stored[m].attempts, stored[m].next_attempt_at) == (1, NOW + lease) for m in taken)
    # the family no one can reach failed at once: its fallback and the staff alert wait for a round
    assert recorded.for_next_round
    others = {m for m, row in stored.items() if row.status == "pending" and m not in taken}
    assert others
    assert all(stored[m].attempts == 0 for m in others)
    async with svc.runtime.engine.begin() as conn:
        claimed = await MessageRepository(conn, svc.context.keyring).claim_due(NOW, NOW + lease, 1000)
    assert {row.id for row in claimed} == others  # a round never takes what was handed over

    sender.hand_over(recorded.leased)
    await asyncio.gather(*sender._handed)
    assert sorted(channel.sent) == sorted(taken)  # each sent once, by the hand over
    assert not sender._wake.is_set()  # every send succeeded: nothing queued, no round to wake for
    stored = await _messages(svc)
    assert {stored[m].status for m in taken} == {"delivered"}
    async with svc.runtime.engine.connect() as conn:
        announced = (await conn.execute(sa.select(svc.runtime.tables.outbox.c.payload))).all()
    assert sum(b'"message_id"' in r.payload and str(m).encode() in r.payload for r in announced for m in taken) \
        == len(taken)

    # the next batch's hand over is lost: nothing takes its messages until their lease runs out
    async with svc.runtime.batch_scope() as scope:
        await scope.claim((event, topic) for event, _, topic in second)
        lost = await handle_statuses(svc.runtime.uow(), second, svc.context, lease=True)
    lost_ids = {row.id for row in lost.leased}
    assert lost_ids
    async with svc.runtime.engine.begin() as conn:
        repo = MessageRepository(conn, svc.context.keyring)
        assert not lost_ids & {r.id for r in await repo.claim_due(NOW, NOW + lease, 1000)}
        later = NOW + lease + timedelta(seconds=1)
        again = {r.id: r for r in await repo.claim_due(later, later + lease, 1000)}
    assert lost_ids <= set(again)
    assert {again[m].attempts for m in lost_ids} == {2}


async def test_a_batch_that_rolls_back_hands_nothing_over(test_stack) -> None:  # type: ignore[no-untyped-def]
    database = await asyncio.to_thread(fresh_database, test_stack)
    channel = _Recording()
    svc = Notifications(NotificationsSettings(DATABASE_URL=database, KAFKA_BOOTSTRAP_SERVERS=test_stack.bootstrap),
                        clock=lambda: NOW, channel=channel)  # type: ignore[arg-type]
    batch = _batches()[0]
    waiting: list[Any] = []

    async def rolled_back() -> None:
        async with svc.runtime.batch_scope() as scope:
            await scope.claim((event, topic) for event, _, topic in batch)
            await svc._on_statuses(batch)
            waiting.extend(scope.after_commit)  # the hand over waits for the commit
            raise RuntimeError("a later event of the batch failed")

    with pytest.raises(RuntimeError):
        await rolled_back()
    assert waiting
    await asyncio.sleep(0.2)
    assert channel.sent == []
    assert await _messages(svc) == {}

    async with svc.runtime.batch_scope() as scope:  # the same batch again, committed
        await scope.claim((event, topic) for event, _, topic in batch)
        await svc._on_statuses(batch)
    await asyncio.wait_for(asyncio.gather(*svc.sender._handed), 10)
    stored = await _messages(svc)
    assert channel.sent
    assert {stored[m].status for m in channel.sent} == {"delivered"}
    assert len(channel.sent) == len(set(channel.sent))


async def test_a_sender_holding_its_most_leaves_a_batchs_messages_pending_for_its_rounds(  # type: ignore[no-untyped-def]
        test_stack, monkeypatch) -> None:
    """Under a backlog batches record faster than the provider takes messages: a sender already
    holding its most (`HANDED_MAX`, opened, in memory) is handed nothing more; the batch's messages
    stay pending in the database, untaken, the sender's round is woken for them, and a round sends
    each once. Below the most, a batch hands over as before."""
    database = await asyncio.to_thread(fresh_database, test_stack)
    channel = _Recording()
    svc = Notifications(NotificationsSettings(DATABASE_URL=database, KAFKA_BOOTSTRAP_SERVERS=test_stack.bootstrap),
                        clock=lambda: NOW, channel=channel)  # type: ignore[arg-type]
    first, second = _batches()
    monkeypatch.setattr(sender_module, "HANDED_MAX", 3)
    release = asyncio.Event()

    async def stuck(rows: list[Any]) -> None:  # a slow provider: the hand over is not done yet
        await release.wait()

    monkeypatch.setattr(svc.sender, "_send_taken", stuck)
    svc.sender.hand_over([object()] * 3)
    assert svc.sender.handed_messages == 3
    assert not svc.sender.can_take()

    async with svc.runtime.batch_scope() as scope:
        await scope.claim((event, topic) for event, _, topic in first)
        await svc._on_statuses(first)
    stored = await _messages(svc)
    assert stored
    assert {(row.status, row.attempts) for row in stored.values()} <= {("pending", 0), ("failed", 0)}
    assert {row.status for row in stored.values()} >= {"pending"}
    assert svc.sender.handed_messages == 3  # nothing more held
    assert svc.sender._wake.is_set()  # the round is told they wait

    assert await svc.sender.send_due_once() > 0  # a round takes and sends them
    await asyncio.sleep(0)
    pending = {m for m, row in stored.items() if row.status == "pending"}
    assert pending <= set(channel.sent)
    assert len(channel.sent) == len(set(channel.sent))

    release.set()  # the slow hand over finishes: the sender takes hand overs again
    await asyncio.wait_for(asyncio.gather(*svc.sender._handed), 10)
    assert svc.sender.handed_messages == 0
    assert svc.sender.can_take()
    async with svc.runtime.batch_scope() as scope:
        await scope.claim((event, topic) for event, _, topic in second)
        await svc._on_statuses(second)
    assert svc.sender._handed  # this batch's messages were handed over
    assert svc.sender.handed_messages > 0


def _records(batch: list[tuple[CloudEvent, Any, str]]) -> list[Any]:
    """A batch as the broker gives it to the consumer: each event's bytes and its topic."""
    return [SimpleNamespace(value=event.to_bytes(), topic=topic) for event, _, topic in batch]


async def _full_sender(test_stack: Any, monkeypatch: Any) -> tuple[Notifications, _Recording, asyncio.Event]:
    """A service whose sender holds its most (`HANDED_MAX`, 3 here): a hand-over to a slow provider,
    not done until the event returned is set."""
    database = await asyncio.to_thread(fresh_database, test_stack)
    channel = _Recording()
    svc = Notifications(NotificationsSettings(DATABASE_URL=database, KAFKA_BOOTSTRAP_SERVERS=test_stack.bootstrap),
                        clock=lambda: NOW, channel=channel)  # type: ignore[arg-type]
    monkeypatch.setattr(sender_module, "HANDED_MAX", 3)
    release = asyncio.Event()
    send_taken = svc.sender._send_taken

    async def stuck(rows: list[Any]) -> None:
        await release.wait()

    monkeypatch.setattr(svc.sender, "_send_taken", stuck)
    svc.sender.hand_over([object()] * 3)
    monkeypatch.setattr(svc.sender, "_send_taken", send_taken)  # later hand-overs are sent
    return svc, channel, release


async def test_a_full_sender_holds_the_consumer_back_until_it_has_room(  # type: ignore[no-untyped-def]
        test_stack, monkeypatch) -> None:
    """Backpressure: while the sender holds its most, the service's consumer waits before the
    next batch (no transaction open, nothing recorded); once a hand-over finishes, the batch is
    recorded and its messages handed over and sent, none left pending for the claim rounds."""
    svc, channel, release = await _full_sender(test_stack, monkeypatch)
    assert svc.consumer is not None
    consumed = asyncio.ensure_future(svc.consumer.handle(_records(_batches()[0])))
    await asyncio.sleep(0.5)
    assert not consumed.done()  # held back
    assert await _messages(svc) == {}
    release.set()
    await asyncio.wait_for(consumed, 10)
    await asyncio.wait_for(asyncio.gather(*svc.sender._handed), 10)
    stored = await _messages(svc)
    assert channel.sent
    assert {stored[m].attempts for m in channel.sent} == {1}  # handed over, not claimed by a round
    # nothing left for a round but what a message no one could be reached by queued: staff told
    assert {(row.status, row.template) for row in stored.values() if row.id not in channel.sent} == {
        ("failed", "family/concern-submitted"), ("pending", "staff/delivery-failed")}
    assert len(channel.sent) == len(set(channel.sent))


async def test_a_sender_still_full_after_the_wait_lets_the_batch_through_pending(  # type: ignore[no-untyped-def]
        test_stack, monkeypatch) -> None:
    """A provider that times out must not stop the consumer for long: after HANDOVER_WAIT_SECONDS
    the batch is recorded anyway, its messages pending for the sender's rounds."""
    monkeypatch.setattr(sender_module, "HANDOVER_WAIT_SECONDS", 0.3)
    svc, channel, release = await _full_sender(test_stack, monkeypatch)
    assert svc.consumer is not None
    await asyncio.wait_for(svc.consumer.handle(_records(_batches()[0])), 5)
    stored = await _messages(svc)
    assert {row.status for row in stored.values()} >= {"pending"}
    assert {row.attempts for row in stored.values()} == {0}  # left for a round, none taken
    assert channel.sent == []
    assert svc.sender._wake.is_set()
    release.set()
    await asyncio.wait_for(asyncio.gather(*svc.sender._handed), 10)
