"""Triage against the real PostgreSQL and the real broker (the session's `test_stack`).

Helpers are handed to tests as fixtures (`migrate`, `fresh_database`, `until`, `read_topics`,
`publish`): with `--import-mode=importlib` a test module cannot import this file.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

import triage
from frontdoor_shared.contracts.base import Contract
from frontdoor_shared.envelope import new_event
from frontdoor_shared.migrations import upgrade

MIGRATIONS = Path(triage.__file__).parent / "migrations"


async def _migrate(database_url: str) -> None:
    """Triage's own migrations only: a service's tests need no other service's schema."""
    await asyncio.to_thread(upgrade, MIGRATIONS, database_url, "triage")


async def _fresh_database(database_url: str) -> str:
    """Another database on the same server, for a test that needs a known, closed population."""
    base, _, _ = database_url.rpartition("/")
    name = f"triage_test_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(f"{base}/postgres".replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{base}/{name}"


async def _until(predicate: Callable[[], Awaitable[Any]], timeout: float = 40.0, what: str = "condition") -> Any:
    """Poll (the database, as a rule) until `predicate` returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        found = await predicate()
        if found:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout:.0f}s")


@pytest.fixture(scope="module")
async def publish(test_stack: Any) -> AsyncIterator[Callable[[Contract], Awaitable[str]]]:
    """Publish a contract as a CloudEvent, keyed by its concern, as its producer would."""
    producer = AIOKafkaProducer(bootstrap_servers=test_stack.bootstrap, acks="all", enable_idempotence=False)
    await producer.start()

    async def send(payload: Contract, topic: str | None = None, event_id: str | None = None) -> str:
        event = new_event(payload, source="urn:test", subject=payload.reference,  # type: ignore[attr-defined]
                          event_id=event_id)
        key = str(payload.concern_id).encode()  # type: ignore[attr-defined]
        await producer.send_and_wait(topic or payload.TOPIC, event.to_bytes(), key=key)
        return event.id

    yield send
    await producer.stop()


async def _read_topics(bootstrap: str, names: list[str], keys: set[str], wanted: int,
                      timeout: float = 20.0) -> list[Any]:
    """Records on `names` whose key is one of `keys`, read from the start until `wanted` arrived."""
    consumer = AIOKafkaConsumer(*names, bootstrap_servers=bootstrap, group_id=None,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    found: list[Any] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(found) < wanted and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            found += [r for rs in batch.values() for r in rs if r.key and r.key.decode() in keys]
    finally:
        await consumer.stop()
    return found


@pytest.fixture(scope="session")
def migrate() -> Callable[[str], Awaitable[None]]:
    return _migrate


@pytest.fixture(scope="session")
def fresh_database() -> Callable[[str], Awaitable[str]]:
    return _fresh_database


@pytest.fixture(scope="session")
def until() -> Callable[..., Awaitable[Any]]:
    return _until


@pytest.fixture(scope="session")
def read_topics() -> Callable[..., Awaitable[list[Any]]]:
    return _read_topics
