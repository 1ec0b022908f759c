"""Early years on the real PostgreSQL and broker (the session's `test_stack`), in this process.

One service per module: consumers, relay and overdue check started, the panel seeded. Tests
drive the pages through ASGI with a signed session cookie, publish triage's events with a real
producer, judge completion from the database, and read topics from the start with a fresh consumer.
Helpers come as the `world` fixture: with `--import-mode=importlib` a test cannot import this file.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

import early_years
from early_years.adapters import orm
from early_years.bootstrap import EarlyYears
from early_years.config import EarlyYearsSettings
from early_years.entrypoints.main import create_app
from frontdoor_cli.stack import free_port
from frontdoor_shared.auth import Principal, Tokens
from frontdoor_shared.contracts import ConcernTriagedV1
from frontdoor_shared.envelope import CloudEvent, new_event
from frontdoor_shared.migrations import upgrade

PANEL = "demo-early-years-panel"
MIGRATIONS = Path(early_years.__file__).parent / "migrations"
CSRF = "integration-csrf-token"
SIGN_IN = "http://intake.test/sign-in"
PUBLIC = "http://panel.test"


def triaged(**overrides: Any) -> ConcernTriagedV1:
    """A child of 30 months triage sent to the panel, recommending speech and language support."""
    cid = overrides.pop("concern_id", uuid.uuid4())
    fields: dict[str, Any] = {
        "concern_id": cid, "reference": f"FD-{cid.hex[:4].upper()}-{cid.hex[4:8].upper()}",
        "triaged_at": datetime.now(UTC), "outcome": "panel", "pathway": "slcn", "priority": "routine",
        "age_in_months": 30, "need_codes": ["SLCN"], "ranges": [{"area": "C&I", "range": 3}],
        "reasons": [{"rule": "slcn-range-3", "text": "Communication and interaction at range 3."}],
        "missing": [], "policy_version": "default-2026.1"}
    return ConcernTriagedV1.model_validate(fields | overrides)


def person(subject: str, role: str = "panel-member", panel: str | None = PANEL) -> Principal:
    return Principal(subject=subject, kind="staff", role=role, panel_id=panel, name=subject)


CHAIR = person("panel-chair", "panel-chair")
MEMBER = person("panel-health")
STRANGER = person("other-chair", "panel-chair", "another-panel")


@dataclass
class Clock:
    """The service's clock: real time plus an offset a test can move (and must put back)."""

    offset: timedelta = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class World:
    svc: EarlyYears
    clock: Clock
    producer: AIOKafkaProducer
    bootstrap: str
    app: Any

    async def listed(self, *concerns: ConcernTriagedV1) -> list[Any]:
        """Publish triage's events and wait until each case is on an agenda; their cases, in that order."""
        for data in concerns:
            await self.publish(data)
        ids = [c.concern_id for c in concerns]
        query = (sa.select(orm.panel_case).join(orm.agenda_item, orm.agenda_item.c.case_id == orm.panel_case.c.id)
                 .where(orm.panel_case.c.concern_id.in_(ids)))
        rows = await until(lambda: self._all(query, len(ids)), f"{len(ids)} case(s) on the agenda")
        by_concern = {r.concern_id: r for r in rows}
        return [by_concern[i] for i in ids]

    async def _all(self, query: Any, wanted: int) -> list[Any] | None:
        rows = await self.rows(query)
        return rows if len({r.id for r in rows}) == wanted else None

    async def publish(self, data: ConcernTriagedV1, event: CloudEvent | None = None) -> CloudEvent:
        event = event or new_event(data, source="urn:frontdoor:triage", subject=data.reference)
        await self.producer.send_and_wait(data.TOPIC, event.to_bytes(), key=str(data.concern_id).encode())
        return event

    def browser(self, who: Principal | None) -> httpx.AsyncClient:
        """A client carrying `who`'s session (and the form token cookie), as a browser would."""
        cookies = f"fd_csrf={CSRF}" + (f"; fd_session={Tokens().issue(who)}" if who else "")
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=PUBLIC,
                                 headers={"Cookie": cookies}, follow_redirects=False)

    async def rows(self, query: Any) -> list[Any]:
        async with self.svc.runtime.engine.connect() as conn:
            return list((await conn.execute(query)).all())

    async def outbox(self, key: str, event_type: str | None = None) -> list[Any]:
        outbox = self.svc.runtime.tables.outbox
        query = sa.select(outbox).where(outbox.c.key == key)
        if event_type:
            query = query.where(outbox.c.event_type == event_type)
        return await self.rows(query.order_by(outbox.c.id))

    async def published(self, key: str) -> bool:
        rows = await self.outbox(key)
        return bool(rows) and all(r.published_at is not None for r in rows)

    async def read_topic(self, topic: str, key: str, wanted: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        """The CloudEvents with `key` on `topic`, read from the start by a consumer of no group."""
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=self.bootstrap, group_id=None,
                                    auto_offset_reset="earliest", enable_auto_commit=False)
        await consumer.start()
        found: list[dict[str, Any]] = []
        try:
            deadline = asyncio.get_running_loop().time() + timeout
            while len(found) < wanted and asyncio.get_running_loop().time() < deadline:
                batch = await consumer.getmany(timeout_ms=500)
                found += [json.loads(r.value) for rs in batch.values() for r in rs if r.key == key.encode()]
        finally:
            await consumer.stop()
        return found


async def until(check: Callable[[], Awaitable[Any]], what: str, timeout: float = 40.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout:.0f}s")


@pytest.fixture(scope="module")
async def world(test_stack: Any) -> AsyncIterator[World]:
    # Early years' own schema only: a service's tests need no other service's tables.
    await asyncio.to_thread(upgrade, MIGRATIONS, test_stack.database_url, "early_years")
    settings = EarlyYearsSettings(DATABASE_URL=test_stack.database_url, KAFKA_BOOTSTRAP_SERVERS=test_stack.bootstrap,
                                  FRONTDOOR_RETRY_MAX=0.5, sign_in_url=SIGN_IN, public_base_url=PUBLIC,
                                  # nothing listens there: intake is not part of these tests
                                  intake_api_url=f"http://127.0.0.1:{free_port()}/api/v1",
                                  overdue_interval_seconds=0.5)
    clock = Clock()
    svc = EarlyYears(settings, clock=clock)
    producer = AIOKafkaProducer(bootstrap_servers=test_stack.bootstrap, acks="all", enable_idempotence=False)
    await producer.start()
    await svc.start()
    try:
        yield World(svc, clock, producer, test_stack.bootstrap, create_app(service=svc))
    finally:
        await svc.stop()
        await producer.stop()


@pytest.fixture(scope="session")
def wait() -> Callable[..., Awaitable[Any]]:
    return until


@pytest.fixture(scope="session")
def concern() -> Callable[..., ConcernTriagedV1]:
    return triaged


@pytest.fixture(scope="session")
def people() -> dict[str, Principal]:
    return {"chair": CHAIR, "member": MEMBER, "stranger": STRANGER}
