"""The composition root every service shares: engine, broker, producer, relay, dead letters.

A service builds one `Runtime`, registers its subscribers on `runtime.broker` (through
`delivery.subscribe`), and starts/stops it from its FastAPI lifespan. Nothing connects at import.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import sqlalchemy as sa
import structlog
from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from frontdoor_shared import topics as topic_names
from frontdoor_shared.db import DeliveryTables, delivery_tables, make_engine
from frontdoor_shared.delivery import DeadLetters, delivery_middleware
from frontdoor_shared.errors_classify import is_transient
from frontdoor_shared.kafka import ensure_topics, make_producer
from frontdoor_shared.offsets import OffsetCommits
from frontdoor_shared.outbox import OutboxRelay
from frontdoor_shared.revocation import RevocationStore
from frontdoor_shared.settings import ServiceSettings
from frontdoor_shared.uow import BatchScope, UnitOfWork, current_batch

log = structlog.get_logger()


class FrontDoorBroker(KafkaBroker):
    """The service's broker, knowing its runtime so `delivery.subscribe` can batch in its database."""

    frontdoor_runtime: Runtime | None = None


class Runtime:
    def __init__(self, settings: ServiceSettings, *, service: str, schema: str) -> None:
        self.settings = settings
        self.service = service
        self.schema = schema
        self.metadata = sa.MetaData()
        self.tables: DeliveryTables = delivery_tables(self.metadata, schema)
        self.source = f"urn:frontdoor:{service}"
        self._engine: AsyncEngine | None = None
        self._producer: AIOKafkaProducer | None = None
        self._dead_letters: DeadLetters | None = None
        self.relay: OutboxRelay | None = None
        self._stop = asyncio.Event()
        self._relay_task: asyncio.Task[None] | None = None
        self.revocations: RevocationStore | None = None  # sessions ended, for a service that checks tokens
        self._revocations_task: asyncio.Task[None] | None = None
        self.batches_committed = 0
        self.offsets = OffsetCommits(settings.offset_commit_interval_ms / 1000)
        self.broker = FrontDoorBroker(
            settings.kafka_bootstrap_servers,
            client_id=service,
            acks="all",
            enable_idempotence=False,
            graceful_timeout=settings.graceful_timeout_seconds,
            middlewares=[delivery_middleware(self._get_dead_letters,
                                             settings.retry_max_backoff_seconds, self.offsets)],
            logger=None,
        )
        self.broker.frontdoor_runtime = self

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            self._engine = make_engine(self.settings.database_url.get_secret_value())
        return self._engine

    def _get_dead_letters(self) -> DeadLetters:
        if self._dead_letters is None:
            raise RuntimeError("runtime not started")
        return self._dead_letters

    def uow(self) -> UnitOfWork:
        """A unit of work: the consumed batch's, inside a batch; its own transaction otherwise."""
        scope = current_batch.get()
        if scope is not None:
            return scope.member()
        return UnitOfWork(self.engine, self.tables, self.source,
                          on_commit=self.relay.wake if self.relay else None)

    @contextlib.asynccontextmanager
    async def batch_scope(self) -> AsyncIterator[BatchScope]:
        """One transaction for a consumed batch; commits (outbox rows included) on a clean exit."""
        async with self.engine.connect() as conn, conn.begin():
            scope = BatchScope(conn, self.tables, self.source)
            token = current_batch.set(scope)
            try:
                yield scope
                await scope.flush()
            finally:
                current_batch.reset(token)
        self.batches_committed += 1
        if self.relay is not None and scope.wrote_outbox:
            self.relay.wake()
        for call in scope.after_commit:
            call()

    def after_commit(self, call: Callable[[], None]) -> None:
        """Run `call` once the current batch has committed (at once outside a batch)."""
        scope = current_batch.get()
        if scope is None:
            call()
        else:
            scope.after_commit.append(call)

    def dead_letters(self) -> DeadLetters:
        return self._get_dead_letters()

    def keep_revocations(self) -> RevocationStore:
        """This service checks tokens: it keeps the sessions ended (its table `revoked_access`, read
        before the consumers start and every FRONTDOOR_REVOCATIONS_REFRESH_SECONDS after)."""
        if self.revocations is None:
            self.revocations = RevocationStore(self.metadata, self.schema)
        return self.revocations

    async def start(self, *, consume: bool = True) -> None:
        s = self.settings
        store = self.revocations
        if store is not None:  # before the first request is served
            await _until_ready(lambda: store.refresh(self.engine), "database")
        await _until_ready(lambda: ensure_topics(s.kafka_bootstrap_servers, s.topic_partitions),
                           "broker")
        self._producer = make_producer(s.kafka_bootstrap_servers, f"{self.service}-relay")
        await _until_ready(self._producer.start, "producer")
        self._dead_letters = DeadLetters(self.engine, self.tables, self._producer, self.service)
        self.relay = OutboxRelay(self.engine, self.tables, self._producer,
                                 batch_size=s.outbox_batch_size, poll_seconds=s.outbox_poll_seconds,
                                 retention_days=s.outbox_retention_days,
                                 crash_after_send=s.fault_relay_crash_after_send,
                                 linger_seconds=s.outbox_linger_ms / 1000,
                                 ensure_topic=lambda topic: ensure_topics(s.kafka_bootstrap_servers,
                                                                          s.topic_partitions, [topic]),
                                 known_topics=topic_names.all_topics())
        self._stop.clear()
        self._relay_task = asyncio.create_task(self.relay.run(self._stop), name="outbox-relay")
        if self.revocations is not None:
            self._revocations_task = asyncio.create_task(
                self.revocations.keep_fresh(self.engine, self._stop, s.revocations_refresh_seconds),
                name="revocations-refresh")
        if consume:
            await _until_ready(self.broker.start, "consumers")
        log.info("service.started", schema=self.schema)

    async def stop(self) -> None:
        """Commit the offsets due, finish in-flight messages (graceful timeout; their offsets
        committed at once), flush the outbox relay, then close."""
        await self.offsets.flush()
        with contextlib.suppress(Exception):
            await self.broker.stop()
        self._stop.set()
        if self._relay_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._relay_task, timeout=10)
        if self._revocations_task is not None:
            await asyncio.gather(self._revocations_task, return_exceptions=True)
        if self._producer is not None:
            await self._producer.stop()
        if self._engine is not None:
            await self._engine.dispose()
        log.info("service.stopped")

    async def health(self) -> dict[str, Any]:
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
        return {"status": "ok", "service": self.service}


async def _until_ready(action: Any, what: str, attempts: int = 60) -> Any:
    for attempt in range(1, attempts + 1):
        try:
            return await action()
        except Exception as err:
            if not is_transient(err) or attempt == attempts:
                raise
            log.warning("startup.waiting", part=what, error=type(err).__name__, attempt=attempt)
            await asyncio.sleep(min(2.0, 0.2 * attempt))
    return None
