"""Consuming with guarantees: the retry / dead-letter middleware and the subscriber factory.

Every subscriber is registered through `subscribe()`, which fixes the consumer settings the
conventions require: a `group_id`, `auto_offset_reset="earliest"` and `AckPolicy.MANUAL` (auto
commit off). The middleware then decides, per message:

- success: commit the offset (the handler's own transaction, with its inbox mark, is already
  committed, so a crash before this commit only causes a redelivery the inbox absorbs);
- transient error (database or broker down): retry the handler with capped exponential backoff,
  for as long as it takes, without committing; never dead-letter;
- permanent error (not a CloudEvent, wrong schema, unknown type, a bug): record the message in
  `<schema>.dead_letter`, publish it to `<topic>.dlq` with the reason in headers (acks=all), then
  commit and carry on.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any, Literal, Union

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
from frontdoor_shared.envelope import CloudEvent, parse_event
from frontdoor_shared.errors_classify import is_transient, reason_for

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


def delivery_middleware(dead_letters: Callable[[], DeadLetters], max_backoff: float = 30.0
                        ) -> type[BaseMiddleware]:
    """Build the broker middleware; `dead_letters` is resolved late (after start-up)."""

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
                                    delay=round(delay, 2), topic=msg.raw_message.topic)
                        await asyncio.sleep(delay)
                        continue
                    await _dead_letter(dead_letters, msg.raw_message, err, max_backoff)
                    await msg.ack()
                    return None
                await msg.ack()
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
    return create_model(  # type: ignore[call-overload, no-any-return]
        f"{contract.__name__}Event",
        __base__=CloudEvent,
        __doc__=contract.__doc__,
        type=(Literal[contract.TYPE], ...),  # type: ignore[valid-type]
        data=(contract, ...),
    )


Handler = Callable[[CloudEvent, Any, str], Awaitable[None]]


def _union_of(contracts: Sequence[type[Contract]]) -> Any:
    models = tuple(envelope_for(c) for c in contracts)
    if len(models) == 1:
        return models[0]
    return Annotated[Union[models], Field(discriminator="type")]  # noqa: UP007 - runtime union of a tuple


def subscribe(broker: KafkaBroker, contracts: type[Contract] | Sequence[type[Contract]], handler: Handler, *,
              group_id: str, topics: Sequence[str] | None = None) -> None:
    """Register `handler(event, data, topic)` for the contracts' topics: ONE consumer per service.

    One group member for all of a service's topics keeps Kafka rebalances (and start-up) short.
    The body is parsed as the envelope of whichever contract its `type` names.
    """
    listed = [contracts] if isinstance(contracts, type) else list(contracts)
    names = list(topics) if topics else list(dict.fromkeys(c.TOPIC for c in listed))

    async def consume(body: CloudEvent, message: KafkaMessageParam) -> None:
        await handler(body, body.data, message.raw_message.topic)

    consume.__annotations__ = {"body": _union_of(listed), "message": KafkaMessageParam, "return": None}
    consume.__name__ = f"{group_id.replace('-', '_')}_consumer"
    broker.subscriber(
        *names,
        group_id=group_id,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.MANUAL,
        decoder=_decode,
        max_records=200,
        title=f"{group_id}:consumer",
        description="; ".join(f"{c.TOPIC}: {c.__doc__}" for c in listed),
    )(consume)


def publisher_doc(broker: KafkaBroker, contract: type[Contract], topic: str | None = None) -> None:
    """Declare what a service publishes (via its outbox) so AsyncAPI documents it."""
    broker.publisher(topic or contract.TOPIC, title=f"{topic or contract.TOPIC}:publish",
                     description=contract.__doc__, schema=envelope_for(contract))


def count_dead_letters(table: sa.Table) -> sa.Select[Any]:
    return sa.select(sa.func.count()).select_from(table)
