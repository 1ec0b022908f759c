"""One notifications service per test module, in this process, on the real PostgreSQL and broker,
sending through a GOV.UK Notify-compatible fake that sends receipts back; a clock tests can move."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer

from frontdoor_cli.testing import migrate_all
from frontdoor_shared.contracts import Contract, NotificationSentV2
from frontdoor_shared.envelope import CloudEvent, new_event
from notifications.adapters import orm
from notifications.adapters.repository import MessageRepository
from notifications.bootstrap import Notifications
from notifications.config import NotificationsSettings
from notifications.entrypoints.main import create_app
from notifications.testing.fake_notify import FakeNotify, Served, free_port

API_KEY = f"frontdoor_test-{uuid.uuid4()}-{uuid.uuid4()}"
CALLBACK_TOKEN = f"callback-{uuid.uuid4().hex}"
TEMPLATES = {kind: str(uuid.uuid4()) for kind in ("email", "sms", "letter")}
STAFF_EMAIL = "send-team@council.example"
SAFEGUARDING_EMAIL = "safeguarding@council.example"


@dataclass
class Clock:
    offset: timedelta = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class World:
    svc: Notifications
    fake: FakeNotify
    url: str
    producer: AIOKafkaProducer
    clock: Clock
    published: list[tuple[str, bytes, bytes]] = field(default_factory=list)

    async def publish(self, data: Contract, event: CloudEvent | None = None) -> CloudEvent:
        event = event or new_event(data, source="urn:frontdoor:test", subject=data.reference,  # type: ignore[attr-defined]
                                   time=self.clock())
        record = (data.TOPIC, event.to_bytes(), str(data.concern_id).encode())  # type: ignore[attr-defined]
        await self.producer.send_and_wait(record[0], record[1], key=record[2])
        self.published.append(record)
        return event

    async def replay_everything(self) -> int:
        for topic, value, key in list(self.published):
            await self.producer.send_and_wait(topic, value, key=key)
        return len(self.published)

    async def messages(self, reference: str) -> list[Any]:
        async with self.svc.runtime.engine.connect() as conn:  # decrypted: stored encrypted at rest
            return await MessageRepository(conn, self.svc.context.keyring).opened(list((await conn.execute(
                sa.select(orm.message).where(orm.message.c.reference == reference)
                .order_by(orm.message.c.created_at))).all()))

    async def journey(self, reference: str) -> list[Any]:
        async with self.svc.runtime.engine.connect() as conn:
            return list((await conn.execute(sa.select(orm.journey).where(orm.journey.c.reference == reference)))
                        .all())

    async def announced(self, reference: str) -> list[dict[str, Any]]:
        """Each message announced in the outbox about a concern (`NotificationSentV2` events, a
        line per message with its event's fields), in the order they were published."""
        outbox = self.svc.runtime.tables.outbox
        async with self.svc.runtime.engine.connect() as conn:
            payloads = (await conn.execute(sa.select(outbox.c.payload).where(
                outbox.c.event_type == NotificationSentV2.TYPE).order_by(outbox.c.id))).scalars().all()
        return [{**{k: v for k, v in e["data"].items() if k != "messages"}, **m}
                for e in map(json.loads, payloads) if e["data"]["reference"] == reference
                for m in e["data"]["messages"]]

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=10)


async def until(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if await check():
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout:.0f}s")


def settings_for(test_stack: Any, notify_url: str, public_url: str) -> NotificationsSettings:
    return NotificationsSettings(
        DATABASE_URL=test_stack.database_url, KAFKA_BOOTSTRAP_SERVERS=test_stack.bootstrap,
        FRONTDOOR_RETRY_MAX=0.5, channel="notify", notify_api_key=API_KEY, notify_base_url=notify_url,
        notify_email_template_id=TEMPLATES["email"], notify_sms_template_id=TEMPLATES["sms"],
        notify_letter_template_id=TEMPLATES["letter"], notify_callback_token=CALLBACK_TOKEN,
        public_base_url=public_url, staff_email=STAFF_EMAIL, safeguarding_email=SAFEGUARDING_EMAIL,
        send_poll_seconds=0.2, send_lease_seconds=3, retry_base_seconds=0.2, retry_max_seconds=1,
        still_waiting_days=20, still_waiting_interval_seconds=0.3)


@asynccontextmanager
async def running(test_stack: Any, **overrides: Any) -> AsyncIterator[World]:
    """The service on a free port (lifespan and all) with the fake Notify beside it."""
    await asyncio.to_thread(migrate_all, test_stack.database_url)
    clock, port = Clock(), free_port()
    fake = FakeNotify(API_KEY, callback_url=f"http://127.0.0.1:{port}/callbacks/notify",
                      callback_token=CALLBACK_TOKEN)
    settings = settings_for(test_stack, fake.url, f"http://127.0.0.1:{port}").model_copy(update=overrides)
    svc = Notifications(settings, clock=clock)
    producer = AIOKafkaProducer(bootstrap_servers=test_stack.bootstrap, acks="all", enable_idempotence=False)
    await producer.start()
    try:
        async with Served(fake.app(), fake.port), Served(create_app(service=svc), port) as app:
            yield World(svc, fake, app.url, producer, clock)
    finally:
        await producer.stop()


@pytest.fixture(scope="module")
async def world(test_stack):  # type: ignore[no-untyped-def]
    async with running(test_stack) as w:
        yield w


@pytest.fixture(scope="module")
async def dev_world(test_stack):  # type: ignore[no-untyped-def]
    async with running(test_stack, channel="dev-mailbox") as w:
        yield w


@pytest.fixture
def wait() -> Callable[..., Awaitable[None]]:
    return until
