"""Status events taken as a set per batch record exactly the messages, journey steps, recipients
and held events that the per-event use case records for each in order (real PostgreSQL)."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from frontdoor_cli.testing import fresh_database
from frontdoor_shared.contracts import ConcernErasedV1
from frontdoor_shared.envelope import CloudEvent
from notifications.adapters import orm
from notifications.adapters.repository import MessageRepository
from notifications.bootstrap import Notifications
from notifications.config import NotificationsSettings
from notifications.service_layer.erasure import erase_concern
from notifications.service_layer.notify import handle_status, handle_statuses
from notifications.testing import NOW, envelope, events, people

pytestmark = pytest.mark.integration


GONE = events(uuid.uuid4(), "FD-TEST-0009")


def _batches() -> list[list[tuple[CloudEvent, Any, str]]]:
    """Two batches about six concerns, as the broker may deliver them (topics are not ordered)."""
    whole, early, orphan, held, unreachable = (events(uuid.uuid4(), f"FD-TEST-000{n}") for n in range(5))
    unreachable["submitted"] = events(unreachable["submitted"].concern_id, unreachable["submitted"].reference,
                                      people(email=None, phone=None, address=None))["submitted"]

    def item(data: Any) -> tuple[CloudEvent, Any, str]:
        return envelope(data), data, data.TOPIC

    first = [item(whole["submitted"]), item(early["triaged-routed"]), item(whole["triaged-panel"]),
             item(held["triaged-routed"]), item(early["submitted"]), item(orphan["triaged-routed"]),
             item(whole["listed"]), item(unreachable["submitted"]), item(GONE["submitted"]), item(whole["decided"])]
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


async def test_batches_as_sets_record_what_each_event_alone_would(test_stack) -> None:  # type: ignore[no-untyped-def]
    batches = _batches()
    one_by_one = await _world(test_stack)
    for batch in batches:
        for event, data, topic in batch:
            await handle_status(one_by_one.runtime.uow(), event, data, topic, one_by_one.context)

    as_sets = await _world(test_stack)
    for batch in batches:
        async with as_sets.runtime.batch_scope() as scope:
            await scope.claim((event, topic) for event, _, topic in batch)
            await handle_statuses(as_sets.runtime.uow(), batch, as_sets.context)

    expected, got = await _state(one_by_one), await _state(as_sets)
    assert got == expected, "\n".join(_diff(expected, got))
    templates = sorted(m[2] for m in got["messages"].values())
    assert "family/panel-decision" in templates
    assert "staff/delivery-failed" in templates  # the family no one can reach: staff are told
    assert [topic for _, topic in got["held"]] == ["triage.concern-triaged.v1"]  # the orphan waits
    assert got["links"] == 4  # one private link per family that can be told
    assert GONE["submitted"].concern_id not in {c for c, _ in got["recipients"]}  # erased: nothing kept


def _diff(expected: dict[str, Any], got: dict[str, Any]) -> list[str]:
    out = []
    for k in sorted(set(expected["messages"]) | set(got["messages"])):
        if expected["messages"].get(k) != got["messages"].get(k):
            out.append(f"{k}\n  per-event: {expected['messages'].get(k)}\n  as sets:   {got['messages'].get(k)}")
    return out


async def test_a_round_of_sends_is_recorded_as_one_set_and_a_receipt_that_overtook_a_send_stands(  # type: ignore[no-untyped-def]
        test_stack) -> None:
    from notifications.adapters.channels.base import ChannelResult
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
        announced = [uuid.UUID(e.data["message_id"]) for e in uow.emitted]
        await uow.commit()
    async with svc.runtime.engine.connect() as conn:
        after = {r.id: r for r in (await conn.execute(sa.select(orm.message))).all()}
    assert (after[first.id].status, after[first.id].provider_id) == ("sent", "p-1")
    assert (after[second.id].status, after[second.id].provider_id) == ("delivered", "p-2")
    assert announced == [first.id]  # only a send that changed the message is announced
