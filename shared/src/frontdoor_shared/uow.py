"""The async unit of work: one transaction holding the change, its events and the inbox mark.

    async with runtime.uow() as uow:
        if not await uow.first_time(event, topic):   # inbox: a redelivery does nothing
            return
        ...change state through uow.conn...
        uow.emit(ConcernTriagedV1(...), subject=reference, key=concern_id, cause=event)
        await uow.commit()                            # state + outbox + inbox, atomically

Leaving the block without `commit()` rolls everything back.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from frontdoor_shared.contracts.base import Contract
from frontdoor_shared.db import DeliveryTables
from frontdoor_shared.envelope import CloudEvent, new_event


class UnitOfWork:
    def __init__(self, engine: AsyncEngine, tables: DeliveryTables, source: str,
                 on_commit: Callable[[], None] | None = None) -> None:
        self._engine = engine
        self._tables = tables
        self._source = source
        self._on_commit = on_commit
        self._pending: list[dict[str, Any]] = []
        self._conn: AsyncConnection | None = None
        self._tx: AsyncTransaction | None = None
        self.emitted: list[CloudEvent] = []

    @property
    def conn(self) -> AsyncConnection:
        if self._conn is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._conn

    async def __aenter__(self) -> UnitOfWork:
        self._conn = await self._engine.connect()
        self._tx = await self._conn.begin()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        try:
            if self._tx is not None and self._tx.is_active:
                await self._tx.rollback()
        finally:
            if self._conn is not None:
                await self._conn.close()
            self._conn = None

    async def first_time(self, event: CloudEvent, topic: str) -> bool:
        """Record the event in the inbox; False when it was already handled (a redelivery)."""
        inbox = self._tables.inbox
        result = await self.conn.execute(
            insert(inbox)
            .values(event_id=event.id, topic=topic, event_type=event.type)
            .on_conflict_do_nothing(index_elements=[inbox.c.event_id])
            .returning(inbox.c.event_id)
        )
        return result.first() is not None

    def emit(self, payload: Contract, *, subject: str, key: str, topic: str | None = None,
             cause: CloudEvent | None = None) -> CloudEvent:
        """Queue an event for the outbox; it is written in this transaction at commit."""
        event = new_event(
            payload, source=self._source, subject=subject,
            correlation_id=cause.correlationid if cause else None,
            causation_id=cause.id if cause else None,
        )
        self._pending.append({
            "event_id": event.id, "topic": topic or payload.TOPIC, "key": key,
            "event_type": event.type, "payload": event.to_bytes(),
            "headers": {"ce_type": event.type, "ce_id": event.id,
                        "content-type": "application/cloudevents+json"},
        })
        self.emitted.append(event)
        return event

    async def commit(self) -> None:
        if self._pending:
            await self.conn.execute(sa.insert(self._tables.outbox), self._pending)
            self._pending = []
        if self._tx is None:
            raise RuntimeError("unit of work used outside `async with`")
        await self._tx.commit()
        if self._on_commit is not None:
            self._on_commit()
