"""Lingering, against the real PostgreSQL and the real broker: with `outbox_linger_ms` a relay woken
by a commit waits before it claims, so commits close behind it go out in the same round; with
`consumer_linger_ms` a small batch waits for events that arrive just after it, and they are
handled in its one transaction. Both are off by default (each hop then goes at once).

The evidence is PostgreSQL's own clock: `now()` is the transaction's start, so rows marked or
received in one transaction carry the same timestamp, and rows of two transactions do not.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import ClassVar

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from pydantic import Field

from frontdoor_shared.contracts.base import Contract
from frontdoor_shared.delivery import subscribe
from frontdoor_shared.envelope import CloudEvent, new_event
from frontdoor_shared.kafka import ensure_topics
from frontdoor_shared.runtime import Runtime
from frontdoor_shared.settings import ServiceSettings
from shared.tests.integration.waiting import until

pytestmark = pytest.mark.integration


class LingerTestedV1(Contract):
    """A test event."""

    TYPE: ClassVar[str] = "uk.frontdoor.test.linger.tested.v1"
    TOPIC: ClassVar[str] = "lingertest.linger-tested.v1"
    VERSION: ClassVar[int] = 1
    n: int = Field(description="A number")


@pytest.fixture(scope="module")
async def lingering(test_stack):  # type: ignore[no-untyped-def]
    settings = ServiceSettings(DATABASE_URL=test_stack.database_url, KAFKA_BOOTSTRAP_SERVERS=test_stack.bootstrap,
                               FRONTDOOR_OUTBOX_LINGER_MS=400, FRONTDOOR_CONSUMER_LINGER_MS=1000,
                               FRONTDOOR_OUTBOX_POLL=30)  # only a commit wakes the relay
    rt = Runtime(settings, service="lingertest", schema="lingertest")
    async with rt.engine.begin() as conn:
        await conn.execute(sa.text("CREATE SCHEMA IF NOT EXISTS lingertest"))
        await conn.run_sync(rt.metadata.create_all)
    await ensure_topics(test_stack.bootstrap, 1, [LingerTestedV1.TOPIC, LingerTestedV1.TOPIC + ".dlq"])
    async def handle(event: CloudEvent, data: LingerTestedV1, topic: str) -> None:
        async with rt.uow() as uow:
            if await uow.first_time(event, topic):
                await uow.commit()

    subscribe(rt.broker, LingerTestedV1, handle, group_id="lingertest")
    await rt.start()
    yield rt
    await rt.stop()


async def _emit(rt: Runtime, n: int) -> CloudEvent:
    async with rt.uow() as uow:
        event = uow.emit(LingerTestedV1(n=n), subject=f"S-{n}", key=str(uuid.uuid4()))
        await uow.commit()
    return event


async def _column(rt: Runtime, table: sa.Table, column: str, event_id: str) -> object:
    async with rt.engine.connect() as conn:
        return await conn.scalar(sa.select(table.c[column]).where(table.c.event_id == event_id))


async def test_a_commit_just_after_a_wake_goes_out_in_the_same_relay_round(lingering: Runtime) -> None:
    first = await _emit(lingering, 1)  # wakes the relay, which lingers 400 ms
    await asyncio.sleep(0.1)
    second = await _emit(lingering, 2)
    outbox = lingering.tables.outbox

    async def both_published() -> bool:
        return all([await _column(lingering, outbox, "published_at", e.id) for e in (first, second)])

    await until(both_published)
    assert await _column(lingering, outbox, "published_at", first.id) == \
        await _column(lingering, outbox, "published_at", second.id)


async def test_an_event_arriving_while_a_small_batch_lingers_joins_its_transaction(  # type: ignore[no-untyped-def]
        lingering: Runtime, test_stack) -> None:
    inbox = lingering.tables.inbox
    warm_up = await _emit(lingering, 10)  # the consumer has joined its group and is reading

    async def received(event_id: str) -> bool:
        return await _column(lingering, inbox, "received_at", event_id) is not None

    await until(lambda: received(warm_up.id))
    first, second = (new_event(LingerTestedV1(n=n), source="urn:test", subject=f"S-{n}") for n in (11, 12))
    producer = AIOKafkaProducer(bootstrap_servers=test_stack.bootstrap, acks="all", enable_idempotence=False)
    await producer.start()
    try:
        await producer.send_and_wait(LingerTestedV1.TOPIC, first.to_bytes(), key=b"a")
        # fetched within the 50 ms fetch wait: without lingering its batch is now under way, alone
        await asyncio.sleep(0.3)
        await producer.send_and_wait(LingerTestedV1.TOPIC, second.to_bytes(), key=b"b")
    finally:
        await producer.stop()

    async def both_received() -> bool:
        return all([await received(e.id) for e in (first, second)])

    await until(both_received)
    assert await _column(lingering, inbox, "received_at", first.id) == \
        await _column(lingering, inbox, "received_at", second.id)
