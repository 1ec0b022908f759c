"""The relay's loop: a commit that lands while a batch is being published is not left for the poll."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa

from frontdoor_shared.db import delivery_tables
from frontdoor_shared.outbox import OutboxRelay


async def test_a_commit_during_publishing_is_published_without_waiting_for_the_next_poll() -> None:
    stop = asyncio.Event()
    calls: list[float] = []

    class Relay(OutboxRelay):
        async def publish_once(self) -> int:
            calls.append(asyncio.get_running_loop().time())
            if len(calls) == 1:
                self.wake()  # a unit of work commits while this batch is on its way
            else:
                stop.set()
            return 0

        async def _cleanup_if_due(self) -> None:
            return None

    relay = Relay(None, delivery_tables(sa.MetaData(), "t"), None, poll_seconds=30)  # type: ignore[arg-type]
    await asyncio.wait_for(relay.run(stop), timeout=5)

    assert len(calls) == 2
    assert calls[1] - calls[0] < 1


class _Producer:
    """A producer whose record batches refuse every record (a fake: the real broker's tests are in
    shared/tests/integration/test_relay_batches.py)."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    async def partitions_for(self, topic: str) -> set[int]:
        return {0, 1, 2}

    def create_batch(self) -> Any:
        class Refusing:
            def append(self, **record: Any) -> None:
                return None

            def close(self) -> None:
                return None

        return Refusing()

    async def send_batch(self, batch: Any, topic: str, *, partition: int) -> Any:
        self.sent.append((topic, partition))
        return asyncio.get_running_loop().create_future()


async def test_a_record_no_batch_takes_fails_the_round_rather_than_being_marked_published_unsent() -> None:
    producer = _Producer()
    relay = OutboxRelay(None, delivery_tables(sa.MetaData(), "t"), producer)  # type: ignore[arg-type]
    row = {"id": 7, "topic": "t.v1", "key": "k", "payload": b"{}", "headers": None}
    with pytest.raises(RuntimeError, match="outbox row 7"):
        await relay._send([row])
    assert producer.sent == []  # nothing went: the round's transaction rolls back, the row stays unpublished


def test_a_keys_partition_is_the_default_partitioners_remembered_per_partition_list_and_bounded() -> None:
    from aiokafka.partitioner import DefaultPartitioner

    from frontdoor_shared import outbox

    relay = OutboxRelay(None, delivery_tables(sa.MetaData(), "t"), None)  # type: ignore[arg-type]
    reference = DefaultPartitioner()
    computed: list[bytes] = []

    def counting(key: bytes, all_partitions: list[int], available: list[int]) -> int:
        computed.append(key)
        return reference(key, all_partitions, available)

    relay._partitioner = counting  # type: ignore[assignment]
    keys = [f"01a22b9a-6d3f-767f-a137-{i:012x}".encode() for i in range(300)]
    for parts in ([0, 1, 2], [0, 1, 2, 3, 4, 5]):  # the topic grows: every key is placed again
        for _ in range(3):  # a concern's events, one after another
            for key in keys:
                assert relay._partition("t.topic", parts, key) == reference(key, parts, parts)
    assert len(computed) == 2 * len(keys)  # once per key and partition list, not per event
    assert relay._partition("other.topic", [0, 1, 2], keys[0]) == reference(keys[0], [0, 1, 2], [0, 1, 2])
    assert len(computed) == 2 * len(keys) + 1  # and per topic

    for i in range(outbox.PARTITIONS_KEPT + 10):  # many more concerns than it keeps
        relay._partition("t.topic", [0, 1, 2], f"key-{i}".encode())
    assert all(len(known) <= outbox.PARTITIONS_KEPT for known in relay._partition_of.values())
