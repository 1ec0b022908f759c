"""The relay publishes a round's rows as record batches, one per partition and split where a batch
is full: every row reaches the broker once, each key on the partition Kafka's default partitioner
gives it (the one `send` would have chosen), in the order the rows were written, headers intact."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from frontdoor_shared.db import delivery_tables, make_engine
from frontdoor_shared.kafka import ensure_topics, make_producer
from frontdoor_shared.outbox import OutboxRelay

pytestmark = pytest.mark.integration


async def _read(bootstrap: str, topics: list[str], count: int) -> list[tuple[str, int, bytes, bytes, dict[str, bytes]]]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    consumer.assign([TopicPartition(t, p) for t in topics for p in range(3)])  # no group: no wait for one to settle
    seen: list[tuple[str, int, bytes, bytes, dict[str, bytes]]] = []
    try:
        while len(seen) < count:
            got = await consumer.getmany(timeout_ms=5000)
            if not got:
                break
            for tp, records in got.items():
                seen += [(tp.topic, tp.partition, r.key, r.value, dict(r.headers)) for r in records]
    finally:
        await consumer.stop()
    return seen


async def test_a_round_goes_as_batches_per_partition_each_key_where_send_puts_it_in_order(  # type: ignore[no-untyped-def]
        test_stack) -> None:
    suffix = uuid.uuid4().hex[:6]
    topics = [f"relaytest.a-{suffix}.v1", f"relaytest.b-{suffix}.v1", f"relaytest.reference-{suffix}.v1"]
    await ensure_topics(test_stack.bootstrap, 3, topics)
    schema = f"relaytest_{suffix}"
    tables = delivery_tables(sa.MetaData(), schema)
    engine = make_engine(test_stack.database_url, pool_size=2)
    keys = [str(uuid.uuid4()) for _ in range(12)]
    rows = [{"event_id": str(uuid.uuid4()), "topic": topics[i % 2], "key": keys[i % len(keys)], "event_type": "t",
             "payload": json.dumps({"n": i, "pad": "x" * 300}).encode(), "headers": {"ce_n": str(i)}}
            for i in range(240)]
    # batches of at most 4 KB: a partition's ~40 rows of ~330 bytes need several
    producer = AIOKafkaProducer(bootstrap_servers=test_stack.bootstrap, acks="all", enable_idempotence=False,
                                max_batch_size=4096)
    reference = make_producer(test_stack.bootstrap, "relaytest-reference")
    await producer.start()
    await reference.start()
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
            await conn.run_sync(lambda c: [t.create(c) for t in tables.all()])
            await conn.execute(sa.insert(tables.outbox), rows)
        relay = OutboxRelay(engine, tables, producer, batch_size=500)
        sent_batches = []
        send_batch = producer.send_batch

        async def noting(batch, topic, *, partition):  # type: ignore[no-untyped-def]
            sent_batches.append((topic, partition, batch.record_count()))
            return await send_batch(batch, topic, partition=partition)

        producer.send_batch = noting  # type: ignore[method-assign]
        assert await relay.publish_once() == len(rows)
        for key in keys:  # where `send` (the default partitioner) puts each key, for comparison
            await reference.send_and_wait(topics[2], b"", key=key.encode())
        seen = await _read(test_stack.bootstrap, topics, len(rows) + len(keys))
        async with engine.connect() as conn:
            unpublished = await conn.scalar(sa.select(sa.func.count()).select_from(tables.outbox)
                                            .where(tables.outbox.c.published_at.is_(None)))
            await conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
            await conn.commit()
    finally:
        await producer.stop()
        await reference.stop()
        await engine.dispose()

    published = [s for s in seen if s[0] != topics[2]]
    where_send_puts = {key.decode(): partition for topic, partition, key, _, _ in seen if topic == topics[2]}
    assert len(published) == len(rows)
    assert unpublished == 0
    assert sorted(json.loads(v)["n"] for _, _, _, v, _ in published) == list(range(len(rows)))  # each once
    assert all(h["ce_n"] == str(json.loads(v)["n"]).encode() for _, _, _, v, h in published)
    assert all(partition == where_send_puts[key.decode()] for _, partition, key, _, _ in published)
    order: dict[tuple[str, bytes], list[int]] = defaultdict(list)
    for topic, _, key, value, _ in published:
        order[(topic, key)].append(json.loads(value)["n"])
    assert all(ns == sorted(ns) for ns in order.values())  # each key's rows in the order written
    per_partition: dict[tuple[str, int], int] = defaultdict(int)
    for topic, partition, _ in sent_batches:
        per_partition[(topic, partition)] += 1
    assert sum(n for _, _, n in sent_batches) == len(rows)
    assert set(per_partition) == {(topic, partition) for topic, partition, _, _, _ in published}
    assert max(per_partition.values()) > 1  # a full batch went, and the partition's next rows in another


async def test_a_topic_the_relay_was_not_started_with_is_made_before_its_first_row_goes(  # type: ignore[no-untyped-def]
        test_stack) -> None:
    """A partner's own topic exists only once the partner does: the relay creates it (one partition,
    as every partner topic) before it publishes there, and once, not on every round."""
    from aiokafka.admin import AIOKafkaAdminClient

    suffix = uuid.uuid4().hex[:6]
    topic = f"partner.relaytest-{suffix}.status.v1"
    schema = f"relaytest_{suffix}"
    tables = delivery_tables(sa.MetaData(), schema)
    engine = make_engine(test_stack.database_url, pool_size=2)
    producer = make_producer(test_stack.bootstrap, "relaytest-new-topic")
    made: list[str] = []

    async def ensure(name: str) -> None:
        made.append(name)
        await ensure_topics(test_stack.bootstrap, 3, [name])

    await producer.start()
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
            await conn.run_sync(lambda c: [t.create(c) for t in tables.all()])
        relay = OutboxRelay(engine, tables, producer, ensure_topic=ensure)
        for n in range(2):  # two rounds
            async with engine.begin() as conn:
                await conn.execute(sa.insert(tables.outbox), [{
                    "event_id": str(uuid.uuid4()), "topic": topic, "key": "k", "event_type": "t",
                    "payload": json.dumps({"n": n}).encode(), "headers": {}}])
            assert await relay.publish_once() == 1
        admin = AIOKafkaAdminClient(bootstrap_servers=test_stack.bootstrap)
        await admin.start()
        try:
            [described] = await admin.describe_topics([topic])
        finally:
            await admin.close()
        seen = await _read(test_stack.bootstrap, [topic], 2)
        async with engine.begin() as conn:
            await conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    finally:
        await producer.stop()
        await engine.dispose()
    assert made == [topic]
    assert len(described["partitions"]) == 1
    assert [json.loads(v)["n"] for _, _, _, v, _ in seen] == [0, 1]


async def test_a_topic_that_cannot_be_made_holds_its_own_rows_and_no_one_elses(  # type: ignore[no-untyped-def]
        test_stack) -> None:
    """On a cluster where only operators create topics, a partner's topic may not exist yet: its rows
    wait unpublished (not lost, not taken again until their retry time), the relay does not die, and
    every other topic's rows still go; once the topic can be made, they go too."""
    suffix = uuid.uuid4().hex[:6]
    waiting, known = f"partner.relaywait-{suffix}.status.v1", f"relaytest.known-{suffix}.v1"
    await ensure_topics(test_stack.bootstrap, 1, [known])
    schema = f"relaytest_{suffix}"
    tables = delivery_tables(sa.MetaData(), schema)
    engine = make_engine(test_stack.database_url, pool_size=2)
    producer = make_producer(test_stack.bootstrap, "relaytest-unready")
    refused = [True]

    async def ensure(name: str) -> None:
        if refused[0]:
            raise RuntimeError("TopicAuthorizationFailed (as a cluster without Create rights answers)")
        await ensure_topics(test_stack.bootstrap, 1, [name])

    async def unpublished() -> list[str]:
        async with engine.connect() as conn:
            return list((await conn.execute(sa.select(tables.outbox.c.topic)
                                            .where(tables.outbox.c.published_at.is_(None)))).scalars())

    await producer.start()
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
            await conn.run_sync(lambda c: [t.create(c) for t in tables.all()])
            await conn.execute(sa.insert(tables.outbox), [
                {"event_id": str(uuid.uuid4()), "topic": t, "key": "k", "event_type": "t",
                 "payload": json.dumps({"to": t}).encode(), "headers": {}} for t in (waiting, known)])
        relay = OutboxRelay(engine, tables, producer, ensure_topic=ensure, known_topics=[known])
        assert await relay.publish_once() == 1  # the known topic's row went; the other waits
        assert await unpublished() == [waiting]
        assert await relay.publish_once() == 0  # not taken again before its retry time
        refused[0] = False
        relay.unready_retry_seconds = 0.0
        relay._unready = dict.fromkeys(relay._unready, 0.0)  # its retry time has come
        assert await relay.publish_once() == 1
        assert await unpublished() == []
        seen = await _read(test_stack.bootstrap, [waiting, known], 2)
        async with engine.begin() as conn:
            await conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    finally:
        await producer.stop()
        await engine.dispose()
    assert sorted(json.loads(v)["to"] for _, _, _, v, _ in seen) == sorted([waiting, known])
