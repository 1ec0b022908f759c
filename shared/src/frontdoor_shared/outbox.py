"""The transactional outbox relay.

A service writes its events into `<schema>.outbox` in the same transaction as the change that
caused them (see `UnitOfWork`). The relay takes unpublished rows with `FOR UPDATE SKIP LOCKED` and
marks them published in the same statement, publishes them with acks=all, and commits the mark only
after the broker acknowledged every one; if the broker fails, the transaction rolls back and the
rows are taken again. A crash between the broker's ack and the commit means a row is published
twice: consumers' inboxes absorb that.

One relay per service publishes at a time (a transaction-scoped advisory lock, taken in the same
statement as the rows), so events about one concern leave in the order they were committed. Published rows are kept for
`outbox_retention_days`, so `frontdoor replay` can re-drive a wiped topic from the database.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import zlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import sqlalchemy as sa
import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from sqlalchemy.ext.asyncio import AsyncEngine

from frontdoor_shared.db import DeliveryTables, driver_connection
from frontdoor_shared.errors_classify import is_transient

log = structlog.get_logger()
PARTITIONS_KEPT = 4096  # keys per topic whose partition a relay remembers
UNREADY_RETRY_SECONDS = 30.0  # a topic the relay could not make is tried again after this
UNREADY_WAIT_SECONDS = 10.0  # how long the producer may look for a topic just made


def _headers(headers: str | None) -> list[tuple[str, bytes]]:
    return [(k, str(v).encode()) for k, v in (json.loads(headers) if headers else {}).items()]


class OutboxRelay:
    def __init__(
        self, engine: AsyncEngine, tables: DeliveryTables, producer: AIOKafkaProducer, *,
        batch_size: int = 500, poll_seconds: float = 0.05, retention_days: int = 7,
        crash_after_send: bool = False, linger_seconds: float = 0.0,
        ensure_topic: Callable[[str], Awaitable[object]] | None = None, known_topics: Sequence[str] = (),
    ) -> None:
        self._engine = engine
        # Topics made at start-up are known; any other (a partner's own status topic, named by its
        # client id) is created before the relay first publishes to it, since a producer waits out
        # its metadata timeout on a topic the broker lacks, and the relay, in order, waits with it
        self._ensure_topic = ensure_topic
        self._known_topics = set(known_topics)
        # such a topic that could not be made (a cluster where only operators create topics, and no
        # one has yet): its rows wait, unpublished, and are not taken again until the time given,
        # while every other topic's go on; a topic made at start-up that fails stops the round
        self._unready: dict[str, float] = {}
        self.unready_retry_seconds = UNREADY_RETRY_SECONDS
        self._table = tables.outbox
        self._producer = producer
        self._partitioner = DefaultPartitioner()
        # a key's partition per topic and partition list, as the partitioner gave it: its murmur2 is
        # pure Python (4.7 us a key), and a concern's events follow one another through a relay
        # (notifications publishes 4.4 a concern); bounded, and keyed by the partitions it was for
        self._partition_of: dict[tuple[str, tuple[int, ...]], dict[bytes, int]] = {}
        self._batch = batch_size
        self._poll = poll_seconds
        self._linger = linger_seconds
        self._retention = timedelta(days=retention_days)
        self._lock_key = zlib.crc32(f"{tables.schema}.outbox".encode())
        # One statement takes the relay's lock, claims the oldest unpublished rows and marks them
        # published, in one round trip (on the driver directly: `driver_connection`). The mark is
        # only this transaction's until the commit, which follows the broker's ack of every row;
        # if the broker fails, the rollback unmarks them. The lock is an uncorrelated subquery, so
        # PostgreSQL runs it once, before the scan, as a one-time filter: no lock, no rows. A row
        # another relay published after this statement's snapshot is re-checked under FOR UPDATE
        # (read committed) and skipped, so it never goes out twice.
        outbox = f"{tables.schema}.outbox"
        self._take_rows = (
            f"UPDATE {outbox} SET published_at = now() WHERE id IN (SELECT id FROM {outbox}"
            " WHERE (SELECT pg_try_advisory_xact_lock($1::bigint)) AND published_at IS NULL"
            " AND topic <> ALL($3::text[])"
            " ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)"
            " RETURNING id, topic, key, payload, headers::text AS headers")
        self._release_rows = f"UPDATE {outbox} SET published_at = NULL WHERE id = ANY($1::bigint[])"
        self._wake = asyncio.Event()
        self._last_cleanup = datetime.min.replace(tzinfo=UTC)
        self.published_total = 0
        # Fault injection for tests/faults only: die between the broker's ack and the mark.
        self._crash_after_send = crash_after_send

    def wake(self) -> None:
        """Tell the relay a commit just wrote rows, so it need not wait for the next poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        backoff = self._poll
        while not stop.is_set():
            self._wake.clear()  # a wake that comes while publishing is kept for the sleep below
            try:
                sent = await self.publish_once()
                await self._cleanup_if_due()
                backoff = self._poll
            except Exception as err:
                if not is_transient(err):
                    raise
                log.warning("outbox.relay.retry", error=type(err).__name__, backoff=backoff)
                sent = 0
                backoff = min(backoff * 2, 5.0)
            if sent < self._batch and await self._sleep(stop, backoff) and self._linger:
                # woken by a commit: let the commits close behind it join the same round
                await asyncio.sleep(self._linger)

    async def _sleep(self, stop: asyncio.Event, seconds: float) -> bool:
        """Wait for a wake, a stop or the poll; True when a commit woke it."""
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()
        return self._wake.is_set() and not stop.is_set()

    async def publish_once(self) -> int:
        """Publish one batch of unpublished rows; return how many went out."""
        async with self._engine.connect() as conn:
            driver = await driver_connection(conn)
            try:
                async with driver.transaction():
                    rows = await self._claim(driver)
                    if not rows:
                        return 0
                    held = await self._send(rows)
                    if held:  # their topic could not be made: unpublished again, in this transaction
                        await driver.execute(self._release_rows, held)
                        rows = [r for r in rows if r["id"] not in set(held)]
                    if self._crash_after_send:
                        log.error("outbox.fault_injection.crash_after_send", rows=len(rows))
                        os._exit(70)
            except (OSError, asyncpg.InterfaceError, asyncpg.PostgresConnectionError):
                # SQLAlchemy did not see the driver fail: a broken connection must not go back
                # to the pool for the next round (or a consumer) to take
                await conn.invalidate()
                raise
        self.published_total += len(rows)
        return len(rows)

    async def _claim(self, driver: Any) -> Sequence[Any]:
        """The rows taken (marked, uncommitted), oldest first: RETURNING keeps no order."""
        now = time.monotonic()
        self._unready = {t: at for t, at in self._unready.items() if at > now}
        return sorted(await driver.fetch(self._take_rows, self._lock_key, self._batch, list(self._unready)),
                      key=lambda r: r["id"])

    async def _send(self, rows: Sequence[Any]) -> list[int]:
        """Publish the rows as one record batch per partition (split where a batch is full), in
        their order, and wait for the broker's ack of every one. A key's partition is the Kafka
        default (murmur2 of the key over the topic's partitions in id order: what `send` and
        Java clients choose), so one concern's events stay in one partition, in order. Measured
        against `send` per record: 8 against 13 us of CPU and 12 against 38 us of wall time a
        record (`bench/README.md`, session 13)."""
        producer = self._producer
        partitions: dict[str, list[int]] = {}
        open_batches: dict[tuple[str, int], Any] = {}
        acks: list[asyncio.Future[Any]] = []

        async def ship(topic: str, partition: int) -> None:
            batch = open_batches.pop((topic, partition))
            batch.close()
            acks.append(await producer.send_batch(batch, topic, partition=partition))

        held: list[int] = []
        for r in rows:
            topic, key = r["topic"], r["key"].encode()
            if topic in self._unready:
                held.append(r["id"])
                continue
            if topic not in partitions:
                found = await self._partitions_for(topic)
                if found is None:
                    held.append(r["id"])
                    continue
                partitions[topic] = sorted(found)
            partition = self._partition(topic, partitions[topic], key)
            record = {"key": key, "value": r["payload"], "timestamp": None, "headers": _headers(r["headers"])}
            batch = open_batches.get((topic, partition))
            if batch is not None and batch.append(**record) is not None:
                continue
            if batch is not None:  # full: it goes, and a new one starts with this record
                await ship(topic, partition)
            batch = open_batches[(topic, partition)] = producer.create_batch()
            if batch.append(**record) is None:  # aiokafka takes any first record: never drop one unsaid
                raise RuntimeError(f"outbox row {r['id']}: a new record batch refused it; nothing published")
        for topic, partition in list(open_batches):
            await ship(topic, partition)
        await asyncio.gather(*acks)
        return held

    async def _partitions_for(self, topic: str) -> set[int] | None:
        """The topic's partitions; a topic not made at start-up is created first (once a process,
        counted only once the producer has seen it). None when such a topic cannot be made or found:
        its rows wait (`unready_retry_seconds`) and the others go."""
        if topic in self._known_topics or self._ensure_topic is None:
            return await self._producer.partitions_for(topic)  # type: ignore[no-any-return]
        try:
            await self._ensure_topic(topic)
            found: set[int] = await asyncio.wait_for(self._producer.partitions_for(topic), UNREADY_WAIT_SECONDS)
        except (asyncio.CancelledError, KeyboardInterrupt):
            raise
        except Exception as err:  # noqa: BLE001 - logged; the topic's rows wait, the rest go on
            self._unready[topic] = time.monotonic() + self.unready_retry_seconds
            log.error("outbox.topic_unavailable", topic=topic, error=type(err).__name__,
                      retry_seconds=self.unready_retry_seconds)
            return None
        self._known_topics.add(topic)
        return found

    def _partition(self, topic: str, all_partitions: list[int], key: bytes) -> int:
        """The partition the Kafka default partitioner gives `key` over `all_partitions`, remembered
        for the last `PARTITIONS_KEPT` keys of that topic and partition list."""
        known = self._partition_of.setdefault((topic, tuple(all_partitions)), {})
        partition = known.get(key)
        if partition is None:
            if len(known) >= PARTITIONS_KEPT:
                known.clear()
            partition = known[key] = self._partitioner(key, all_partitions, all_partitions)
        return partition

    async def _cleanup_if_due(self) -> None:
        now = datetime.now(UTC)
        if now - self._last_cleanup < timedelta(minutes=10):
            return
        self._last_cleanup = now
        async with self._engine.begin() as conn:
            await conn.execute(
                sa.delete(self._table).where(self._table.c.published_at < now - self._retention)
            )


async def replay(engine: AsyncEngine, tables: DeliveryTables, *, since: datetime | None = None,
                 topic: str | None = None) -> int:
    """Mark published rows unpublished again so the relay re-drives them (consumers dedupe)."""
    t = tables.outbox
    stmt = sa.update(t).where(t.c.published_at.is_not(None)).values(published_at=None)
    if since is not None:
        stmt = stmt.where(t.c.created_at >= since)
    if topic is not None:
        stmt = stmt.where(t.c.topic == topic)
    async with engine.begin() as conn:
        result = await conn.execute(stmt)
    return int(result.rowcount or 0)
