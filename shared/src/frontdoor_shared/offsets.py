"""Committing a consumer's offsets: after the batch's transaction, at most once per interval.

Correctness never rests on the committed offset: every event's id goes into the inbox in the
transaction that holds its effect, so an event read again after a crash or a rebalance does
nothing. The offset only says where a restarted consumer starts reading. Committing it after every
batch cost, at light load (a few events a batch), a request to the broker, the broker's work to
store it and the wake-ups on both sides for each batch: measured at 50 concerns/s, 6% of the
whole stack's CPU and 14% of the broker's (bench/README.md, "Session 11"). So a batch's offsets
are committed at once when the last commit is older than `interval`, and otherwise by a timer
when it is: at most one commit per interval per consumer, and never later than one interval
after the batch.

What is committed is the batch's own records' offsets (the next offset to read, per partition),
never the consumer's position: the position may already be past records fetched and not yet
handled. Offsets only move forward (commits are serialised), a partition the consumer no longer
owns is left to its new owner (who reads from the last commit; the inbox absorbs the overlap),
and a failed commit is logged and tried again with the next one. At shutdown every pending
offset is committed, and from then on each batch's at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from typing import Any

import structlog
from aiokafka import TopicPartition

from frontdoor_shared.errors_classify import is_transient

log = structlog.get_logger()


class OffsetCommits:
    def __init__(self, interval_seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._interval = interval_seconds
        self._clock = clock
        self._pending: dict[Any, dict[TopicPartition, int]] = {}  # consumer -> partition -> next offset
        self._last: dict[Any, float] = {}
        self._timers: dict[Any, asyncio.Task[None]] = {}
        self._lock = asyncio.Lock()
        self._closing = False
        self.commits = 0  # offset commits sent (for tests and the benchmark)

    async def done(self, consumer: Any, records: Iterable[Any]) -> None:
        """The records' effects are committed: their offsets are due to the broker."""
        pending = self._pending.setdefault(consumer, {})
        for r in records:
            tp = TopicPartition(r.topic, r.partition)
            pending[tp] = max(pending.get(tp, 0), r.offset + 1)
        if not pending:
            return
        wait = self._last.get(consumer, float("-inf")) + self._interval - self._clock()
        if self._closing or wait <= 0:
            await self._commit(consumer)
        elif consumer not in self._timers:
            self._timers[consumer] = asyncio.create_task(self._later(consumer, wait))

    async def flush(self) -> None:
        """Commit everything pending now, and each batch at once from now on (shutdown)."""
        self._closing = True
        for timer in list(self._timers.values()):  # what they would commit is committed here
            timer.cancel()
        for consumer in list(self._pending):
            await self._commit(consumer)

    async def _later(self, consumer: Any, wait: float) -> None:
        try:
            await asyncio.sleep(wait)
        finally:
            self._timers.pop(consumer, None)
        await self._commit(consumer)

    async def _commit(self, consumer: Any) -> None:
        async with self._lock:  # one at a time: a later commit never carries smaller offsets
            offsets = self._pending.pop(consumer, None)
            if not offsets:
                return
            self._last[consumer] = self._clock()
            try:  # asking the consumer too: an error here must not fail a batch already committed
                owned = consumer.assignment()
                offsets = {tp: o for tp, o in offsets.items() if tp in owned}
                if not offsets:
                    return
                await consumer.commit(offsets)
                self.commits += 1
            except Exception as err:  # noqa: BLE001 - logged; the next commit carries these offsets
                again = self._pending.setdefault(consumer, {})
                for tp, o in offsets.items():
                    again[tp] = max(again.get(tp, 0), o)
                log.warning("offsets.commit_failed", error=type(err).__name__, partitions=len(offsets),
                            transient=is_transient(err))
                if not self._closing and consumer not in self._timers:
                    self._timers[consumer] = asyncio.create_task(self._later(consumer, self._interval))
