"""Baselines taken in the same run, on the same stack, with the same durability settings:

- the broker: a raw aiokafka producer (configured as every service's relay producer: acks="all",
  idempotence off, linger 2 ms) into a topic of the platform's partition count, and a consumer
  reading every message back; messages/s for the whole round trip (first send to last receipt);
- PostgreSQL: single-row INSERTs into a scratch table, each its own transaction (synchronous
  commit, fsync on), from one connection and from 8 at once (commits/s).

Every end-to-end figure is then also given as a ratio to these, which holds better than an
absolute number on a noisy, shared 2-core machine.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer

from bench.stack import libpq_url
from frontdoor_shared.kafka import ensure_topics, make_producer

TOPIC = "bench.roundtrip.v1"


async def kafka_round_trip(bootstrap: str, count: int, size: int = 1024) -> dict[str, Any]:
    partitions = int(os.environ.get("FRONTDOOR_TOPIC_PARTITIONS", "3"))
    topic = f"{TOPIC}.{uuid.uuid4().hex[:6]}"
    await ensure_topics(bootstrap, partitions, [topic])
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=f"bench-{uuid.uuid4().hex[:6]}",
                                auto_offset_reset="earliest", max_poll_records=500)
    producer = make_producer(bootstrap, "bench-baseline")
    await consumer.start()
    await producer.start()
    try:
        deadline = time.monotonic() + 30
        while not consumer.assignment() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            await consumer.getmany(timeout_ms=50)
        payload = os.urandom(size // 2).hex().encode()
        received = 0
        done = asyncio.Event()

        async def consume() -> None:
            nonlocal received
            while received < count:
                batches = await consumer.getmany(timeout_ms=200, max_records=1000)
                received += sum(len(msgs) for msgs in batches.values())
            done.set()

        reader = asyncio.create_task(consume())
        t0 = time.perf_counter()
        futures = [await producer.send(topic, payload, key=str(i % 997).encode()) for i in range(count)]
        await asyncio.gather(*futures)
        produced = time.perf_counter() - t0
        await asyncio.wait_for(done.wait(), timeout=300)
        elapsed = time.perf_counter() - t0
        await reader
        return {"messages": count, "message_bytes": size, "partitions": partitions, "acks": "all",
                "produce_seconds": round(produced, 3), "round_trip_seconds": round(elapsed, 3),
                "produce_msgs_per_s": round(count / produced, 1),
                "round_trip_msgs_per_s": round(count / elapsed, 1)}
    finally:
        await producer.stop()
        await consumer.stop()


async def pg_commits(database_url: str, seconds: float = 3.0, writers: int = 1) -> dict[str, Any]:
    import asyncpg

    table = f"bench_scratch_{uuid.uuid4().hex[:6]}"
    setup = await asyncpg.connect(libpq_url(database_url))
    await setup.execute(f"CREATE TABLE {table} (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), "
                        "payload text NOT NULL)")
    sync = await setup.fetchval("SHOW synchronous_commit")
    conns = [await asyncpg.connect(libpq_url(database_url)) for _ in range(writers)]
    payload = "x" * 200
    counts = [0] * writers
    stop_at = time.perf_counter() + seconds

    async def write(i: int) -> None:
        conn = conns[i]
        stmt = await conn.prepare(f"INSERT INTO {table} (payload) VALUES ($1)")
        while time.perf_counter() < stop_at:
            await stmt.fetch(payload)  # autocommit: one transaction, one synchronous commit per row
            counts[i] += 1

    t0 = time.perf_counter()
    try:
        await asyncio.gather(*(write(i) for i in range(writers)))
        elapsed = time.perf_counter() - t0
    finally:
        for c in conns:
            await c.close()
        await setup.execute(f"DROP TABLE {table}")
        await setup.close()
    total = sum(counts)
    return {"writers": writers, "seconds": round(elapsed, 2), "commits": total,
            "commits_per_s": round(total / elapsed, 1), "synchronous_commit": sync}
