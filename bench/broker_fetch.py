"""What a consumer's fetch wait costs on the embedded broker, and what it does to a hop's latency.

    python -m bench.broker_fetch --waits 50,150,500

For each wait (`fetch_max_wait_ms`), on a fresh Tansu of its own: the broker's CPU (as the benchmark's sampler reads it)
while `--consumers` consumers, each subscribed to `--topics` topics of `--partitions` partitions,
poll it with nothing to read; then one consumer's delivery time for events produced one at a time
(`--events`, at irregular intervals), from the producer's send to the consumer's read. The figures
behind `FRONTDOOR_FETCH_MAX_WAIT_MS`'s default (bench/README.md, session 15).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import psutil
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from bench.sampler import tree_cpu
from frontdoor_cli.stack import TansuBroker, free_port

SETTLE_SECONDS = 9.0  # a consumer group settles in ~5-9 s on Tansu
READ_SECONDS = 10.0  # an event not read by then counts as lost


async def _topics(bootstrap: str, names: list[str], partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(n, partitions, 1) for n in names])
    finally:
        await admin.close()


def _consumer(bootstrap: str, topics: list[str], group: str, wait_ms: int) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(*topics, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="earliest",
                            fetch_max_wait_ms=wait_ms, enable_auto_commit=False)


async def idle_cost(broker: TansuBroker, wait_ms: int, *, consumers: int, topics: int, partitions: int,
                    seconds: float) -> float:
    """The broker's CPU, in cores, while the consumers poll it with nothing to read."""
    assert broker.process is not None
    process = psutil.Process(broker.process.pid)
    names = [f"idle-{wait_ms}-{i}" for i in range(topics)]
    await _topics(broker.bootstrap, names, partitions)
    polling = [_consumer(broker.bootstrap, names, f"idle-{wait_ms}-{i}", wait_ms) for i in range(consumers)]
    for c in polling:
        await c.start()

    async def poll(c: AIOKafkaConsumer) -> None:
        while True:
            await c.getmany(timeout_ms=1000)

    tasks = [asyncio.create_task(poll(c)) for c in polling]
    try:
        await asyncio.sleep(SETTLE_SECONDS)
        before = tree_cpu(process)
        await asyncio.sleep(seconds)
        return (tree_cpu(process) - before) / seconds
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for c in polling:
            await c.stop()


async def _read_one(consumer: AIOKafkaConsumer, *, within: float) -> None:
    """Wait for the consumer to read what was sent; a broker that never delivers fails the run."""
    deadline = time.monotonic() + within
    while not await consumer.getmany(timeout_ms=1000):
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing delivered within {within:g} s")


async def delivery_ms(broker: TansuBroker, wait_ms: int, *, events: int) -> list[float]:
    """Milliseconds from each event's send to its read by a waiting consumer."""
    topic = f"latency-{wait_ms}"
    await _topics(broker.bootstrap, [topic], 3)
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all", enable_idempotence=False)
    consumer = _consumer(broker.bootstrap, [topic], f"latency-{wait_ms}", wait_ms)
    await producer.start()
    await consumer.start()
    try:
        await producer.send_and_wait(topic, b"first", key=b"first")
        await _read_one(consumer, within=SETTLE_SECONDS + READ_SECONDS)  # the group settles meanwhile
        await asyncio.sleep(SETTLE_SECONDS)
        taken: list[float] = []
        for i in range(events):
            await asyncio.sleep(0.05 + (i * 37 % 100) / 1000)  # not in step with the wait
            start = time.perf_counter()
            await producer.send_and_wait(topic, b"x", key=str(i).encode())
            await _read_one(consumer, within=READ_SECONDS)
            taken.append((time.perf_counter() - start) * 1000)
        return taken
    finally:
        await consumer.stop()
        await producer.stop()


async def measure(waits: list[int], *, consumers: int = 4, topics: int = 4, partitions: int = 3,
                  seconds: float = 10.0, events: int = 30) -> list[dict[str, Any]]:
    results = []
    for wait_ms in waits:
        broker = TansuBroker(port=free_port())
        broker.start()
        try:
            cores = await idle_cost(broker, wait_ms, consumers=consumers, topics=topics, partitions=partitions,
                                    seconds=seconds)
            taken = await delivery_ms(broker, wait_ms, events=events)
        finally:
            broker.stop()
        results.append({"fetch_max_wait_ms": wait_ms, "consumers": consumers, "topics": topics,
                        "partitions": partitions, "broker_cores_idle": round(cores, 4),
                        "delivery_p50_ms": round(statistics.median(taken), 1), "delivery_max_ms": round(max(taken), 1)})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--waits", default="50,150,500", help="fetch waits to measure, in ms")
    parser.add_argument("--consumers", type=int, default=4)
    parser.add_argument("--topics", type=int, default=4)
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--events", type=int, default=30)
    args = parser.parse_args()
    waits = [int(w) for w in args.waits.split(",")]
    for r in asyncio.run(measure(waits, consumers=args.consumers, topics=args.topics, partitions=args.partitions,
                                 seconds=args.seconds, events=args.events)):
        print(f"fetch wait {r['fetch_max_wait_ms']} ms: broker {r['broker_cores_idle']:.3f} cores with "
              f"{r['consumers']} idle consumers of {r['topics']} x {r['partitions']} partitions; "
              f"delivery p50 {r['delivery_p50_ms']} ms, max {r['delivery_max_ms']} ms")


if __name__ == "__main__":
    main()
