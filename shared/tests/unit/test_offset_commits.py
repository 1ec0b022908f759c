"""A consumer's offsets go to the broker at most once per interval, and never wrong: the batch's
own records (next offset per partition), only forward, only for partitions it still owns; a
failed commit is carried by the next; shutdown commits what is pending."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from aiokafka import TopicPartition

from frontdoor_shared.offsets import OffsetCommits

A0, A1 = TopicPartition("a", 0), TopicPartition("a", 1)


def rec(topic: str, partition: int, offset: int) -> Any:
    return SimpleNamespace(topic=topic, partition=partition, offset=offset)


class Consumer:
    def __init__(self, owned: set[TopicPartition] | None = None, fail: int = 0) -> None:
        self.owned = owned if owned is not None else {A0, A1}
        self.commits: list[dict[TopicPartition, int]] = []
        self.fail = fail

    def assignment(self) -> set[TopicPartition]:
        return self.owned

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        if self.fail:
            self.fail -= 1
            raise ConnectionError("broker away")
        self.commits.append(dict(offsets))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_the_first_batch_commits_at_once_the_next_within_the_interval_waits() -> None:
    clock, consumer = Clock(), Consumer()
    offsets = OffsetCommits(0.05, clock=clock)
    await offsets.done(consumer, [rec("a", 0, 7), rec("a", 1, 3), rec("a", 0, 8)])
    assert consumer.commits == [{A0: 9, A1: 4}]  # the next offset to read, per partition
    await offsets.done(consumer, [rec("a", 0, 9)])
    await offsets.done(consumer, [rec("a", 0, 10), rec("a", 1, 4)])
    assert len(consumer.commits) == 1  # within the interval: nothing sent yet
    await asyncio.sleep(0.1)  # the timer sends both batches' offsets in one commit
    assert consumer.commits == [{A0: 9, A1: 4}, {A0: 11, A1: 5}]
    assert offsets.commits == 2


async def test_a_batch_after_the_interval_commits_at_once() -> None:
    clock, consumer = Clock(), Consumer()
    offsets = OffsetCommits(1.0, clock=clock)
    await offsets.done(consumer, [rec("a", 0, 1)])
    clock.now += 1.5
    await offsets.done(consumer, [rec("a", 0, 2)])
    assert consumer.commits == [{A0: 2}, {A0: 3}]


async def test_offsets_only_move_forward() -> None:
    """A batch read again (after a rebalance, from the last commit) cannot pull a partition back."""
    clock, consumer = Clock(), Consumer()
    offsets = OffsetCommits(1.0, clock=clock)
    await offsets.done(consumer, [rec("a", 0, 1)])
    await offsets.done(consumer, [rec("a", 0, 20)])
    await offsets.done(consumer, [rec("a", 0, 5)])  # re-read, older
    await offsets.flush()
    assert consumer.commits == [{A0: 2}, {A0: 21}]


async def test_a_partition_no_longer_owned_is_left_to_its_new_owner() -> None:
    clock, consumer = Clock(), Consumer(owned={A1})
    offsets = OffsetCommits(1.0, clock=clock)
    await offsets.done(consumer, [rec("a", 0, 4), rec("a", 1, 6)])
    assert consumer.commits == [{A1: 7}]


async def test_a_failed_commit_is_carried_by_the_next() -> None:
    clock, consumer = Clock(), Consumer(fail=1)
    offsets = OffsetCommits(0.05, clock=clock)
    await offsets.done(consumer, [rec("a", 0, 4)])
    assert consumer.commits == []
    await asyncio.sleep(0.1)  # retried after an interval, even with no batch to carry it
    assert consumer.commits == [{A0: 5}]


async def test_shutdown_commits_what_is_pending_and_then_every_batch_at_once() -> None:
    clock, consumer = Clock(), Consumer()
    offsets = OffsetCommits(60.0, clock=clock)
    await offsets.done(consumer, [rec("a", 0, 1)])
    await offsets.done(consumer, [rec("a", 0, 2)])
    assert consumer.commits == [{A0: 2}]
    await offsets.flush()
    assert consumer.commits == [{A0: 2}, {A0: 3}]
    await offsets.done(consumer, [rec("a", 1, 9)])  # a batch finishing during the graceful stop
    assert consumer.commits == [{A0: 2}, {A0: 3}, {A1: 10}]


async def test_interval_zero_commits_every_batch() -> None:
    clock, consumer = Clock(), Consumer()
    offsets = OffsetCommits(0, clock=clock)
    for i in range(3):
        await offsets.done(consumer, [rec("a", 0, i)])
    assert consumer.commits == [{A0: 1}, {A0: 2}, {A0: 3}]


async def test_shutdown_stops_the_timers_it_commits_for() -> None:
    clock, consumer = Clock(), Consumer()
    offsets = OffsetCommits(60.0, clock=clock)
    await offsets.done(consumer, [rec("a", 0, 1)])
    await offsets.done(consumer, [rec("a", 0, 2)])  # waits on a timer
    timers = list(offsets._timers.values())
    assert timers
    await offsets.flush()
    await asyncio.sleep(0)
    assert all(t.cancelled() for t in timers)  # none left pending when the loop closes
    assert consumer.commits == [{A0: 2}, {A0: 3}]


async def test_a_consumer_that_cannot_say_what_it_owns_fails_no_batch() -> None:
    """The batch's effects are committed already: an error asking the consumer is logged and the
    offsets are carried to the next commit, never raised into the batch (which would dead-letter it)."""

    class Stopped(Consumer):
        def assignment(self) -> set[TopicPartition]:
            raise RuntimeError("consumer stopped")

    clock, consumer = Clock(), Stopped()
    offsets = OffsetCommits(60.0, clock=clock)
    await offsets.done(consumer, [rec("a", 0, 4)])
    assert consumer.commits == []
    assert offsets._pending[consumer] == {A0: 5}
    await offsets.flush()


async def test_a_runtime_commits_its_pending_offsets_when_it_stops() -> None:
    from frontdoor_shared.runtime import Runtime
    from frontdoor_shared.settings import ServiceSettings

    runtime = Runtime(ServiceSettings(DATABASE_URL="postgresql://nobody@127.0.0.1:1/none",
                                      KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1"), service="t", schema="t")
    consumer = Consumer()
    runtime.offsets._clock = Clock()
    await runtime.offsets.done(consumer, [rec("a", 0, 1)])
    await runtime.offsets.done(consumer, [rec("a", 1, 5)])  # within the interval: pending
    await runtime.stop()
    assert consumer.commits == [{A0: 2}, {A1: 6}]
