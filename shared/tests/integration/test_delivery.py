"""The delivery guarantees against the real PostgreSQL and the real broker.

Outbox: committed events are published and marked; rolled-back ones never leave. Inbox: a
redelivered event has one effect. Dead letters: poison goes to `<topic>.dlq` with the reason and
the next event is still handled. Transient errors are retried, never dead-lettered.
"""

from __future__ import annotations

import asyncio
import uuid
import zlib
from typing import Any, ClassVar

import asyncpg
import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pydantic import Field

from frontdoor_shared import outbox as outbox_module
from frontdoor_shared import uow as uow_module
from frontdoor_shared.contracts.base import Contract
from frontdoor_shared.db import driver_connection
from frontdoor_shared.delivery import subscribe
from frontdoor_shared.envelope import CloudEvent, new_event
from frontdoor_shared.errors import PermanentError, TransientError
from frontdoor_shared.kafka import ensure_topics
from frontdoor_shared.runtime import Runtime
from frontdoor_shared.settings import ServiceSettings
from frontdoor_shared.uow import outbox_row, write_outbox
from shared.tests.integration.waiting import until

pytestmark = pytest.mark.integration


class ThingHappenedV1(Contract):
    """A test event."""

    TYPE: ClassVar[str] = "uk.frontdoor.test.thing.happened.v1"
    TOPIC: ClassVar[str] = "kerneltest.thing-happened.v1"
    VERSION: ClassVar[int] = 1
    n: int = Field(description="A number")


effects = sa.Table("effect", sa.MetaData(), sa.Column("n", sa.Integer), schema="kerneltest")


@pytest.fixture(scope="module")
async def runtime(test_stack):  # type: ignore[no-untyped-def]
    settings = ServiceSettings(DATABASE_URL=test_stack.database_url,
                               KAFKA_BOOTSTRAP_SERVERS=test_stack.bootstrap, FRONTDOOR_RETRY_MAX=0.5)
    rt = Runtime(settings, service="kerneltest", schema="kerneltest")
    async with rt.engine.begin() as conn:
        await conn.execute(sa.text("CREATE SCHEMA IF NOT EXISTS kerneltest"))
        await conn.run_sync(rt.metadata.create_all)
        await conn.run_sync(effects.create)
    topics = [ThingHappenedV1.TOPIC, ThingHappenedV1.TOPIC + ".dlq"]
    await ensure_topics(test_stack.bootstrap, 1, topics)
    rt.transient_failures = 0  # type: ignore[attr-defined]

    async def handle(event: CloudEvent, data: ThingHappenedV1, topic: str) -> None:
        if data.n == 141:  # a unit of work fails half done; the use case catches that and carries on
            try:
                async with rt.uow() as uow:
                    await uow.first_time(event, topic)
                    await uow.conn.execute(sa.insert(effects).values(n=data.n))
                    raise LookupError("gave up half way")
            except LookupError:
                return
        if data.n == 13 and rt.transient_failures < 2:  # type: ignore[attr-defined]
            rt.transient_failures += 1  # type: ignore[attr-defined]
            raise TransientError("database briefly away")
        async with rt.uow() as uow:
            if not await uow.first_time(event, topic):
                return
            await uow.conn.execute(sa.insert(effects).values(n=data.n))
            if data.n == 123:  # half done, then refused: nothing of it may stay
                raise PermanentError("n: 123 is refused by this use case")
            if data.n == 131:  # changed the database, then left without committing
                return
            await uow.commit()

    subscribe(rt.broker, ThingHappenedV1, handle, group_id="kerneltest")
    await rt.start()
    yield rt
    await rt.stop()


async def _effects(rt: Runtime, n: int) -> int:
    async with rt.engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.count()).select_from(effects).where(effects.c.n == n)) or 0)


async def _emit(rt: Runtime, n: int, commit: bool = True) -> CloudEvent:
    async with rt.uow() as uow:
        event = uow.emit(ThingHappenedV1(n=n), subject=f"S-{n}", key=str(uuid.uuid4()))
        if commit:
            await uow.commit()
    return event


async def test_a_committed_event_is_published_marked_and_handled_once(runtime: Runtime) -> None:
    event = await _emit(runtime, 1)
    await until(lambda: _effects(runtime, 1))
    async with runtime.engine.connect() as conn:
        published = await conn.scalar(sa.select(runtime.tables.outbox.c.published_at)
                                      .where(runtime.tables.outbox.c.event_id == event.id))
    assert published is not None
    assert await _effects(runtime, 1) == 1


async def test_an_event_rolled_back_with_its_change_never_leaves(runtime: Runtime) -> None:
    await _emit(runtime, 2, commit=False)
    await _emit(runtime, 3)
    await until(lambda: _effects(runtime, 3))
    assert await _effects(runtime, 2) == 0


async def test_a_redelivered_event_has_one_effect(runtime: Runtime, test_stack) -> None:  # type: ignore[no-untyped-def]
    event = new_event(ThingHappenedV1(n=4), source="urn:test", subject="S-4")
    producer = AIOKafkaProducer(bootstrap_servers=test_stack.bootstrap, acks="all", enable_idempotence=False)
    await producer.start()
    try:
        for _ in range(3):
            await producer.send_and_wait(ThingHappenedV1.TOPIC, event.to_bytes(), key=b"k4")
        await _emit(runtime, 5)  # a marker after the duplicates, on the same consumer
        await until(lambda: _effects(runtime, 5))
        await until(lambda: _effects(runtime, 4))
    finally:
        await producer.stop()
    assert await _effects(runtime, 4) == 1


async def test_poison_goes_to_the_dead_letter_topic_with_its_reason_and_the_next_event_is_handled(
        runtime: Runtime, test_stack) -> None:  # type: ignore[no-untyped-def]
    producer = AIOKafkaProducer(bootstrap_servers=test_stack.bootstrap, acks="all", enable_idempotence=False)
    await producer.start()
    try:
        await producer.send_and_wait(ThingHappenedV1.TOPIC, b"this is not json", key=b"bad")
        wrong = new_event(ThingHappenedV1(n=6), source="urn:test", subject="S-6")
        wrong.data = {"n": "six"}
        await producer.send_and_wait(ThingHappenedV1.TOPIC, wrong.to_bytes(), key=b"bad")
    finally:
        await producer.stop()
    await _emit(runtime, 7)
    await until(lambda: _effects(runtime, 7))
    consumer = AIOKafkaConsumer(ThingHappenedV1.TOPIC + ".dlq", bootstrap_servers=test_stack.bootstrap,
                                auto_offset_reset="earliest", group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=10000)
        records = [r for rs in batch.values() for r in rs]
    finally:
        await consumer.stop()
    reasons = [dict(r.headers)["x-dlq-reason"].decode() for r in records]
    assert len(records) == 2
    assert "not valid JSON" in reasons[0] or "JSON" in reasons[0]
    assert "data.n" in reasons[1]
    async with runtime.engine.connect() as conn:
        rows = await conn.scalar(sa.select(sa.func.count()).select_from(runtime.tables.dead_letter))
    assert rows == 2


async def test_a_transient_error_is_retried_and_never_dead_lettered(runtime: Runtime) -> None:
    await _emit(runtime, 13)
    await until(lambda: _effects(runtime, 13))
    assert runtime.transient_failures == 2  # type: ignore[attr-defined]
    async with runtime.engine.connect() as conn:
        dead = await conn.scalar(sa.select(sa.func.count()).select_from(runtime.tables.dead_letter)
                                 .where(runtime.tables.dead_letter.c.error_type == "TransientError"))
    assert dead == 0


async def _burst(test_stack, ns: list[int]) -> None:  # type: ignore[no-untyped-def]
    """Send events back to back so the consumer reads them in batches."""
    producer = AIOKafkaProducer(bootstrap_servers=test_stack.bootstrap, acks="all", enable_idempotence=False,
                                linger_ms=20)
    await producer.start()
    try:
        futures = [await producer.send(ThingHappenedV1.TOPIC, new_event(ThingHappenedV1(n=n), source="urn:test",
                                                                         subject=f"S-{n}").to_bytes(), key=b"k")
                   for n in ns]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def test_a_burst_is_handled_in_fewer_transactions_than_events_each_once(  # type: ignore[no-untyped-def]
        runtime: Runtime, test_stack) -> None:
    before = runtime.batches_committed
    ns = list(range(1000, 1200))
    await _burst(test_stack, ns)
    await until(lambda: _effects(runtime, 1199))
    async with runtime.engine.connect() as conn:
        counts = dict((await conn.execute(sa.select(effects.c.n, sa.func.count()).where(effects.c.n >= 1000)
                                          .where(effects.c.n < 1200).group_by(effects.c.n))).all())
    assert counts == {n: 1 for n in ns}
    assert 0 < runtime.batches_committed - before < len(ns)


async def test_poison_inside_a_batch_is_dead_lettered_alone_and_leaves_no_half_effect(  # type: ignore[no-untyped-def]
        runtime: Runtime, test_stack) -> None:
    ns = [120, 121, 122, 123, 124, 125, 131, 141, 132]
    await _burst(test_stack, ns)
    await until(lambda: _effects(runtime, 132))
    await until(lambda: _effects(runtime, 125))
    for n in (120, 121, 122, 124, 125, 132):
        assert await _effects(runtime, n) == 1
    assert await _effects(runtime, 123) == 0
    assert await _effects(runtime, 131) == 0
    assert await _effects(runtime, 141) == 0
    dl = runtime.tables.dead_letter
    async with runtime.engine.connect() as conn:
        reasons = (await conn.scalars(sa.select(dl.c.reason).where(dl.c.error_type == "PermanentError"))).all()
    assert reasons == ["n: 123 is refused by this use case"]


class _Noting:
    """The driver connection, noting each statement text sent to it."""

    def __init__(self, inner: Any, seen: set[str]) -> None:
        self._inner, self._seen = inner, seen

    async def fetch(self, query: str, *args: Any) -> Any:
        self._seen.add(query)
        return await self._inner.fetch(query, *args)

    async def execute(self, query: str, *args: Any) -> Any:
        self._seen.add(query)
        return await self._inner.execute(query, *args)

    def transaction(self) -> Any:
        return self._inner.transaction()


async def test_batches_of_any_size_use_one_inbox_and_one_outbox_statement(  # type: ignore[no-untyped-def]
        runtime: Runtime, test_stack, monkeypatch) -> None:
    seen: set[str] = set()

    def note(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if ".inbox (" in statement or ".outbox (" in statement or "outbox SET published_at" in statement:
            seen.add(statement)

    async def noting(conn: Any) -> Any:  # the delivery statements go to the driver, not through SQLAlchemy
        return _Noting(await driver_connection(conn), seen)

    monkeypatch.setattr(uow_module, "driver_connection", noting)
    monkeypatch.setattr(outbox_module, "driver_connection", noting)
    sa.event.listen(runtime.engine.sync_engine, "before_cursor_execute", note)
    try:
        for size, first in ((3, 2000), (17, 2100), (60, 2200)):
            await _burst(test_stack, list(range(first, first + size)))
            await until(lambda last=first + size - 1: _effects(runtime, last))
        for size, first in ((2, 2300), (9, 2400)):
            async with runtime.uow() as uow:
                for n in range(first, first + size):
                    uow.emit(ThingHappenedV1(n=n), subject=f"S-{n}", key=str(uuid.uuid4()))
                await uow.commit()
            await until(lambda last=first + size - 1: _effects(runtime, last))
    finally:
        sa.event.remove(runtime.engine.sync_engine, "before_cursor_execute", note)
    kinds = {s.split("(")[0].strip() if s.startswith("INSERT") else s.split("WHERE")[0].strip() for s in seen}
    assert len(seen) == len(kinds) == 3, sorted(seen)  # inbox insert, outbox insert, relay's mark: one text each


async def test_one_relay_publishes_at_a_time_and_a_held_lock_holds_the_rows(runtime: Runtime) -> None:
    """The relay takes its lock in the statement that claims the rows: while another holder has
    the lock (another replica's relay mid-batch), nothing is claimed; once it lets go, the rows go."""
    key = zlib.crc32(b"kerneltest.outbox")
    t = runtime.tables.outbox

    async def unpublished(event: CloudEvent) -> bool:
        async with runtime.engine.connect() as conn:
            return await conn.scalar(sa.select(t.c.published_at).where(t.c.event_id == event.id)) is None

    async with runtime.engine.connect() as other, other.begin():
        await other.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
        event = await _emit(runtime, 7001)  # the commit wakes the relay at once
        for _ in range(10):  # 2 s: the relay has woken and polled several times meanwhile
            await asyncio.sleep(0.2)
            assert await unpublished(event)
    await until(lambda: _not(unpublished(event)), timeout=10)


async def _not(check):  # type: ignore[no-untyped-def]
    return not await check


async def test_a_batch_reaches_its_handler_without_a_thread_hop(runtime: Runtime, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """fast_depends runs any sync piece of a handler's signature (a `Context` parameter's getter) in
    a worker thread on every batch; the consumer takes nothing that needs one."""
    import fast_depends.utils

    hops: list[str] = []
    real = fast_depends.utils.run_in_threadpool

    async def spy(func, *args, **kwargs):  # type: ignore[no-untyped-def]
        hops.append(getattr(func, "__qualname__", repr(func)))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(fast_depends.utils, "run_in_threadpool", spy)
    await _emit(runtime, 7101)
    await until(lambda: _effects(runtime, 7101))
    assert hops == []


async def test_only_a_commit_that_wrote_events_wakes_the_relay(runtime: Runtime, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An empty relay round is still a transaction: a unit of work or a consumed batch that wrote no
    event (most of them: status lines, recorded messages) leaves the relay asleep."""
    assert runtime.relay is not None
    wakes: list[int] = []
    real = runtime.relay.wake
    monkeypatch.setattr(runtime.relay, "wake", lambda: (wakes.append(1), real())[1])
    async with runtime.uow() as uow:  # a change, no event
        await uow.conn.execute(sa.insert(effects).values(n=7201))
        await uow.commit()
    assert wakes == []
    before = runtime.batches_committed
    await _emit(runtime, 7202)  # an event: its commit wakes the relay
    assert wakes == [1]
    await until(lambda: _effects(runtime, 7202))  # consumed in a batch whose handler emits nothing
    await until(lambda: _at_least(runtime.batches_committed, before + 1))
    assert wakes == [1]


async def _at_least(value: int, floor: int) -> bool:
    return value >= floor


async def _committed(bootstrap: str, group: str, tp: TopicPartition) -> int | None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        found = await admin.list_consumer_group_offsets(group, partitions=[tp])
    finally:
        await admin.close()
    meta = found.get(tp)
    return None if meta is None or meta.offset < 0 else meta.offset


async def test_the_broker_holds_the_offset_after_the_last_handled_event_without_more_traffic(
        runtime: Runtime, test_stack) -> None:  # type: ignore[no-untyped-def]
    """Offsets are committed at most once per interval (a second by default): a batch inside the
    interval is committed by a timer, so the group's offset on the real broker still reaches the
    event after the last one handled, with nothing else arriving to carry it."""
    tp = TopicPartition(ThingHappenedV1.TOPIC, 0)
    producer = AIOKafkaProducer(bootstrap_servers=test_stack.bootstrap, acks="all", enable_idempotence=False)
    await producer.start()
    try:
        sent = []
        for n in (7301, 7302, 7303):
            event = new_event(ThingHappenedV1(n=n), source="urn:test", subject=f"S-{n}")
            sent.append(await producer.send_and_wait(ThingHappenedV1.TOPIC, event.to_bytes(), key=b"k73"))
            await until(lambda n=n: _effects(runtime, n))  # each handled (its own batch) before the next
    finally:
        await producer.stop()
    last = max(m.offset for m in sent if m.partition == 0)
    assert runtime.offsets.commits >= 1

    async def reached() -> bool:
        return (await _committed(test_stack.bootstrap, "kerneltest", tp) or 0) >= last + 1

    await until(reached, timeout=15)
    assert await _committed(test_stack.bootstrap, "kerneltest", tp) == last + 1


async def test_delivery_statements_sent_first_in_a_transaction_are_part_of_it(runtime: Runtime) -> None:
    """The inbox claim and the outbox insert go to the driver directly (`driver_connection`);
    when one is a transaction's first statement it must still be inside the transaction: a
    rollback leaves neither row (sent on their own they would have committed at once)."""
    claimed = new_event(ThingHappenedV1(n=777), source="urn:test", subject="S-777")
    row, emitted = outbox_row(ThingHappenedV1(n=778), source="urn:test", subject="S-778", key="k", topic=None,
                              cause=None)

    async def failing_batch() -> None:
        async with runtime.batch_scope() as scope:
            await scope.claim([(claimed, ThingHappenedV1.TOPIC)])
            raise RuntimeError("the batch fails after its claim")

    with pytest.raises(RuntimeError):
        await failing_batch()
    async with runtime.uow() as uow:
        await write_outbox(uow.conn, runtime.tables, [row])  # then left without commit: rolled back
    async with runtime.engine.connect() as conn:
        inbox = await conn.scalar(sa.select(sa.func.count()).select_from(runtime.tables.inbox)
                                  .where(runtime.tables.inbox.c.event_id == claimed.id))
        outbox = await conn.scalar(sa.select(sa.func.count()).select_from(runtime.tables.outbox)
                                   .where(runtime.tables.outbox.c.event_id == emitted.id))
    assert (inbox, outbox) == (0, 0)


async def test_a_relay_round_whose_driver_connection_broke_does_not_pool_it(  # type: ignore[no-untyped-def]
        runtime: Runtime, monkeypatch) -> None:
    """SQLAlchemy does not see an error of the driver it did not send: the relay invalidates the
    connection itself, so the next round (or a consumer) never takes a broken one from the pool;
    the rows stay unpublished and the next round publishes them."""
    assert runtime.relay is not None
    relay, broken = runtime.relay, []
    claim = relay._claim

    async def breaks(driver: Any) -> Any:
        broken.append(driver)
        raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation")

    monkeypatch.setattr(relay, "_claim", breaks)
    with pytest.raises(asyncpg.exceptions.ConnectionDoesNotExistError):
        await relay.publish_once()
    assert broken
    assert broken[0].is_closed()  # invalidated: closed, not back in the pool
    monkeypatch.setattr(relay, "_claim", claim)
    event = await _emit(runtime, 7301)

    async def published() -> bool:  # the mark commits just after the broker's ack
        async with runtime.engine.connect() as conn:
            return await conn.scalar(sa.select(runtime.tables.outbox.c.published_at)
                                     .where(runtime.tables.outbox.c.event_id == event.id)) is not None

    await until(published)
    await until(lambda: _effects(runtime, 7301))
