"""Consuming with guarantees: batches in one transaction, retries, dead letters.

Every subscriber is registered through `subscribe()`, which fixes the consumer settings the
conventions require: a `group_id`, `auto_offset_reset="earliest"` and `AckPolicy.MANUAL` (auto
commit off), and reads in batches (`max_records`). For each batch, `BatchConsumer`:

- parses every record (a record that is not a CloudEvent of a known type and contract is
  permanent: dead-lettered at once, before anything else);
- handles the rest in ONE transaction (`Runtime.batch_scope`): one multi-row inbox insert says
  which events are new, every use case runs on that transaction, one insert writes all the
  outbox rows, one commit; then the batch's offsets are committed (at most once per interval,
  see `offsets.OffsetCommits`). A crash before the offset commit only causes a redelivery the
  inbox absorbs;
- on a transient error (database or broker down): rolls back and retries the batch with capped
  exponential backoff, for as long as it takes, without committing offsets; never dead-letters;
- on a permanent error (wrong data for a use case, a bug), or a use case that left without
  committing: rolls back and handles that batch again one event per transaction, so the poison
  event alone goes to `<schema>.dead_letter` and `<topic>.dlq` (reason in headers, acks=all) and
  every other event takes effect exactly once.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from contextvars import ContextVar
from typing import Annotated, Any, Literal, Protocol, Union

import sqlalchemy as sa
import structlog
from aiokafka import AIOKafkaProducer
from faststream import AckPolicy
from faststream._internal.middlewares import BaseMiddleware
from faststream.kafka import KafkaBroker, KafkaMessage
from faststream.kafka.annotations import KafkaMessage as KafkaMessageParam
from pydantic import Field, create_model
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from frontdoor_shared import topics
from frontdoor_shared.contracts.base import Contract
from frontdoor_shared.db import DeliveryTables
from frontdoor_shared.envelope import CloudEvent, parse_data, parse_event
from frontdoor_shared.errors import UnknownEventType
from frontdoor_shared.errors_classify import is_transient, reason_for
from frontdoor_shared.offsets import OffsetCommits
from frontdoor_shared.settings import ServiceSettings

log = structlog.get_logger()


class DeadLetters:
    """Where permanent failures go: a table the operator can query, and `<topic>.dlq`."""

    def __init__(self, engine: AsyncEngine, tables: DeliveryTables, producer: AIOKafkaProducer,
                 group: str) -> None:
        self._engine = engine
        self._table = tables.dead_letter
        self._producer = producer
        self._group = group

    async def send(self, raw: Any, err: BaseException) -> None:
        reason = reason_for(err)
        headers = {k: (v.decode(errors="replace") if isinstance(v, bytes) else str(v))
                   for k, v in (raw.headers or [])}
        dlq_headers = {
            "x-dlq-reason": reason,
            "x-dlq-error-type": type(err).__name__,
            "x-dlq-original-topic": raw.topic,
            "x-dlq-original-partition": str(raw.partition),
            "x-dlq-original-offset": str(raw.offset),
            "x-dlq-consumer-group": self._group,
        }
        async with self._engine.begin() as conn:
            await conn.execute(
                insert(self._table).values(
                    topic=raw.topic, partition=raw.partition, offset=raw.offset,
                    consumer_group=self._group, key=raw.key, payload=raw.value,
                    headers=headers, reason=reason, error_type=type(err).__name__,
                ).on_conflict_do_nothing()
            )
        all_headers = [(k, v.encode()) for k, v in {**headers, **dlq_headers}.items()]
        await self._producer.send_and_wait(
            topics.dlq(raw.topic), value=raw.value, key=raw.key, headers=all_headers
        )
        log.warning("event.dead_lettered", topic=raw.topic, partition=raw.partition,
                    offset=raw.offset, reason=reason)


def delivery_middleware(dead_letters: Callable[[], DeadLetters], max_backoff: float = 30.0,
                        offsets: OffsetCommits | None = None) -> type[BaseMiddleware]:
    """Build the broker middleware; `dead_letters` is resolved late (after start-up). A batch's
    offsets are committed through `offsets` (at most once per its interval), or at once without."""

    async def handled(msg: Any) -> None:
        raw = msg.raw_message
        if offsets is None or not hasattr(msg, "consumer"):
            await msg.ack()
        else:
            await offsets.done(msg.consumer, raw if isinstance(raw, tuple) else (raw,))

    class DeliveryMiddleware(BaseMiddleware):
        async def consume_scope(self, call_next: Callable[[Any], Awaitable[Any]],
                                msg: Any) -> Any:
            attempt = 0
            while True:
                try:
                    result = await call_next(msg)
                except asyncio.CancelledError:
                    raise
                except Exception as err:  # noqa: BLE001 - classified below, never swallowed
                    if is_transient(err):
                        attempt += 1
                        delay = min(max_backoff, 0.2 * 2 ** min(attempt, 10)) * random.uniform(0.5, 1)
                        log.warning("event.retry", error=type(err).__name__, attempt=attempt,
                                    delay=round(delay, 2))
                        await asyncio.sleep(delay)
                        continue
                    raw = msg.raw_message
                    for record in raw if isinstance(raw, tuple) else (raw,):
                        await _dead_letter(dead_letters, record, err, max_backoff)
                    await handled(msg)
                    return None
                await handled(msg)
                return result

    return DeliveryMiddleware


async def _dead_letter(dead_letters: Callable[[], DeadLetters], raw: Any, err: BaseException,
                       max_backoff: float) -> None:
    await _retry_transient(lambda: dead_letters().send(raw, err), max_backoff)


async def _retry_transient(action: Callable[[], Awaitable[None]], max_backoff: float) -> None:
    attempt = 0
    while True:
        try:
            await action()
            return
        except Exception as err:
            if not is_transient(err):
                raise
            attempt += 1
            await asyncio.sleep(min(max_backoff, 0.2 * 2 ** min(attempt, 10)))


def _decode(msg: KafkaMessage) -> Any:
    """Our decoder: a clear reason for non-JSON, oversized or non-CloudEvent input."""
    event = parse_event(msg.body)
    return json.loads(event.model_dump_json())


def envelope_for(contract: type[Contract]) -> type[CloudEvent]:
    """The CloudEvent model whose data is this contract (documents the topic in AsyncAPI)."""
    fields: dict[str, Any] = {"type": (Literal[contract.TYPE], ...), "data": (contract, ...)}
    return create_model(f"{contract.__name__}Event", __base__=CloudEvent, __doc__=contract.__doc__, **fields)


Handler = Callable[[CloudEvent, Any, str], Awaitable[None]]
# A set-based handler for many events of some contracts at once, inside the batch's transaction:
# it must have the effect of `Handler` run on each (in order); it is used for whole batches only,
# and when a batch is isolated each event goes to the per-event `Handler` again.
BatchHandler = Callable[[list[tuple[CloudEvent, Any, str]]], Awaitable[None]]


def _union_of(contracts: Sequence[type[Contract]]) -> Any:
    models = tuple(envelope_for(c) for c in contracts)
    if len(models) == 1:
        return models[0]
    return Annotated[Union[models], Field(discriminator="type")]  # noqa: UP007 - runtime union of a tuple


class BatchHost(Protocol):
    """What the batch consumer needs of the service's runtime (see `runtime.Runtime`)."""

    def batch_scope(self) -> AbstractAsyncContextManager[Any]: ...

    def dead_letters(self) -> DeadLetters: ...


class BatchConsumer:
    """Handles one consumed batch: parse, one transaction, isolation of poison (module docstring)."""

    def __init__(self, host: BatchHost, handler: Handler, contracts: Sequence[type[Contract]],
                 max_backoff: float = 30.0,
                 batch_handlers: Mapping[type[Contract], BatchHandler] | None = None,
                 before_batch: Callable[[], Awaitable[None]] | None = None) -> None:
        self._host = host
        self._handler = handler
        self._batch_handlers = dict(batch_handlers or {})
        self._before_batch = before_batch
        self._by_type = {c.TYPE: c for c in contracts}
        self._max_backoff = max_backoff
        self.isolated_batches = 0

    def _parse(self, record: Any) -> tuple[CloudEvent, Any]:
        event = parse_event(record.value)
        contract = self._by_type.get(event.type)
        if contract is None:
            raise UnknownEventType(f"type: this consumer has no contract for {event.type[:100]}")
        return event, parse_data(event, contract)

    async def handle(self, records: Sequence[Any]) -> None:
        items: list[tuple[Any, CloudEvent, Any]] = []
        for record in records:
            try:
                event, data = self._parse(record)
            except Exception as err:  # noqa: BLE001 - parse errors are permanent: dead-letter with the reason
                await self._dead_letter(record, err)
                continue
            items.append((record, event, data))
        if not items:
            return
        if self._before_batch is not None:  # backpressure: held before the transaction opens
            try:
                await self._before_batch()
            except Exception:  # logged: a fault in the hold-back must not dead-letter good events
                log.exception("batch.before_batch_failed", events=len(items))
        attempt = 0
        while True:
            try:
                await self._in_one_transaction(items)
                return
            except asyncio.CancelledError:
                raise
            except Exception as err:  # noqa: BLE001 - classified below, never swallowed
                if not is_transient(err):
                    break
                attempt += 1
                await self._backoff(err, attempt, items[0][0].topic)
        self.isolated_batches += 1
        log.info("batch.isolating", events=len(items))
        for item in items:
            await self._one(item)

    async def _in_one_transaction(self, items: list[tuple[Any, CloudEvent, Any]]) -> None:
        async with self._host.batch_scope() as scope:
            await scope.claim((event, record.topic) for record, event, _ in items)
            grouped: dict[BatchHandler, list[tuple[CloudEvent, Any, str]]] = {}
            for record, event, data in items:
                set_based = self._batch_handlers.get(type(data))
                if set_based is None:
                    await self._handler(event, data, record.topic)
                else:
                    grouped.setdefault(set_based, []).append((event, data, record.topic))
            for set_based, group in grouped.items():
                await set_based(group)

    async def _one(self, item: tuple[Any, CloudEvent, Any]) -> None:
        record, event, data = item
        attempt = 0
        while True:
            try:
                await self._handler(event, data, record.topic)
                return
            except asyncio.CancelledError:
                raise
            except Exception as err:  # noqa: BLE001 - classified below, never swallowed
                if not is_transient(err):
                    await self._dead_letter(record, err)
                    return
                attempt += 1
                await self._backoff(err, attempt, record.topic)

    async def _dead_letter(self, record: Any, err: BaseException) -> None:
        await _retry_transient(functools.partial(self._host.dead_letters().send, record, err), self._max_backoff)

    async def _backoff(self, err: BaseException, attempt: int, topic: str) -> None:
        delay = min(self._max_backoff, 0.2 * 2 ** min(attempt, 10)) * random.uniform(0.5, 1)
        log.warning("event.retry", error=type(err).__name__, attempt=attempt, delay=round(delay, 2), topic=topic)
        await asyncio.sleep(delay)


# without a service's settings (a plain broker, documentation): the setting's own default
FETCH_MAX_WAIT_MS: int = ServiceSettings.model_fields["fetch_max_wait_ms"].default
MAX_PARTITION_FETCH_BYTES = 256 * 1024

# `frontdoor contracts export` documents each consumer as the per-message subscriber it reads
# like; running services register the batch consumer (same topics, group and contracts).
documenting: ContextVar[bool] = ContextVar("frontdoor_documenting", default=False)


def subscribe(broker: KafkaBroker, contracts: type[Contract] | Sequence[type[Contract]], handler: Handler, *,
              group_id: str, topics: Sequence[str] | None = None, max_records: int = 500,
              batch_handlers: Mapping[type[Contract], BatchHandler] | None = None,
              before_batch: Callable[[], Awaitable[None]] | None = None) -> BatchConsumer | None:
    """Register `handler(event, data, topic)` for the contracts' topics: ONE consumer per service.

    One group member for all of a service's topics keeps Kafka rebalances (and start-up) short.
    The body is parsed as the envelope of whichever contract its `type` names. On a service's
    broker (`runtime.FrontDoorBroker`) events are consumed in batches of up to `max_records`,
    each batch in one transaction (see `BatchConsumer`). `batch_handlers` takes the events of
    some contracts as one set per batch (fewer statements); `handler` stays the reference for
    every event, and handles each alone when a batch has to be isolated. `before_batch` is
    awaited before each batch's transaction opens: a service holds its consumer back there while
    it cannot take more (backpressure), holding no connection or lock meanwhile; it must return
    within a bounded time (the group's poll interval). Returns the batch consumer (None where
    only the per-message subscriber is documented).
    """
    listed = [contracts] if isinstance(contracts, type) else list(contracts)
    names = list(topics) if topics else list(dict.fromkeys(c.TOPIC for c in listed))
    host: BatchHost | None = getattr(broker, "frontdoor_runtime", None)
    settings = getattr(host, "settings", None)
    common: dict[str, Any] = {
        "group_id": group_id, "auto_offset_reset": "earliest", "ack_policy": AckPolicy.MANUAL,
        # Tansu answers a waiting fetch late, and costs ~0.35 ms of CPU a fetch plus ~0.09 ms per
        # partition in it, events or not: a hop's p50 measured 6 ms at 50 ms, ~15 ms at 100-300, 115
        # ms at 500 (aiokafka's default); 150 (the setting's default) took 7% less CPU per concern
        # than 50 under load and half the idle stack's, for p95 at 50/s 144 -> 197 ms (session 15)
        "fetch_max_wait_ms": int(getattr(settings, "fetch_max_wait_ms", FETCH_MAX_WAIT_MS)),
        "title": f"{group_id}:consumer",
        "description": "; ".join(f"{c.TOPIC}: {c.__doc__}" for c in listed),
    }
    if host is None or documenting.get():
        async def consume(body: CloudEvent, message: KafkaMessageParam) -> None:
            raw: Any = message.raw_message
            await handler(body, body.data, raw.topic)

        consume.__annotations__ = {"body": _union_of(listed), "message": KafkaMessageParam, "return": None}
        consume.__name__ = f"{group_id.replace('-', '_')}_consumer"
        broker.subscriber(*names, decoder=_decode, max_records=200, **common)(consume)
        return None

    batch = BatchConsumer(host, handler, listed, batch_handlers=batch_handlers, before_batch=before_batch)

    # The message is read from FastStream's context, not declared as a parameter: fast_depends
    # resolves a `Context("message")` parameter by running its sync getter in a worker thread, a
    # thread hand-off and an event-loop wake-up on every batch (seen in the 50/s profile)
    linger = float(getattr(settings, "consumer_linger_ms", 0) or 0) / 1000

    async def consume_batch() -> None:
        message = broker.context.get_local("message")
        records = message.raw_message
        if linger and len(records) < max_records:
            records = await _gather_more(message, records, linger, max_records)
        await batch.handle(records)

    consume_batch.__name__ = f"{group_id.replace('-', '_')}_consumer"
    # aiokafka buffers up to this much per partition while a backlog waits: at its default (1 MiB)
    # intake's RSS grew with the backlog (161 MB at N = 5,000, 195 MB at 20,000 over 15 partitions);
    # a batch of 500 concerns' events is well under 256 KiB a partition
    broker.subscriber(*names, batch=True, max_records=max_records, batch_timeout_ms=25,
                      max_partition_fetch_bytes=MAX_PARTITION_FETCH_BYTES, decoder=_no_decode, **common)(consume_batch)
    return batch


async def _gather_more(message: Any, records: tuple[Any, ...], linger: float, max_records: int
                       ) -> tuple[Any, ...]:
    """Wait `linger`, then add what has arrived since to the batch: at light load events come one
    at a time, and each batch costs a transaction, an offset commit and a relay round whatever
    its size. The added records are the message's (the middleware dead-letters from it if it has
    to), and the batch's offset commit (the consumer's positions) covers them."""
    await asyncio.sleep(linger)
    try:
        more = await message.consumer.getmany(timeout_ms=0, max_records=max_records - len(records))
    except Exception as err:  # noqa: BLE001 - the consumer stopping or rebalancing: the batch is still handled
        log.info("batch.linger_ended", error=type(err).__name__)
        return records
    if more:
        records = (*records, *itertools.chain.from_iterable(more.values()))
        message.raw_message = records
    return records


async def _no_decode(msg: Any) -> None:
    """The batch consumer parses each record itself (once, with the reasons it dead-letters)."""
    return None


def publisher_doc(broker: KafkaBroker, contract: type[Contract], topic: str | None = None) -> None:
    """Declare what a service publishes (via its outbox) so AsyncAPI documents it."""
    broker.publisher(topic or contract.TOPIC, title=f"{topic or contract.TOPIC}:publish",
                     description=contract.__doc__, schema=envelope_for(contract))


def count_dead_letters(table: sa.Table) -> sa.Select[Any]:
    return sa.select(sa.func.count()).select_from(table)
