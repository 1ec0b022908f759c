"""Two replicas of one service, against the real PostgreSQL: the revocation event reaches only the
replica its consumer group gave the partition to, but both refuse the session within the refresh
period, since both read the service's table; a replica starting reads what is still in force
before its first request, and what no token can need any more is forgotten."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from frontdoor_shared.auth import Principal
from frontdoor_shared.contracts import AccessRevokedV1
from frontdoor_shared.envelope import new_event
from frontdoor_shared.revocation import revocation
from frontdoor_shared.runtime import Runtime
from frontdoor_shared.settings import ServiceSettings
from frontdoor_shared.topics import ACCESS_REVOKED
from shared.tests.integration.waiting import until

pytestmark = pytest.mark.integration


@pytest.fixture
async def replicas(test_stack):  # type: ignore[no-untyped-def]
    schema = f"revoketest_{uuid.uuid4().hex[:8]}"
    settings = ServiceSettings(DATABASE_URL=test_stack.database_url, KAFKA_BOOTSTRAP_SERVERS=test_stack.bootstrap)
    one, two = (Runtime(settings, service="revoke-test", schema=schema) for _ in range(2))
    for rt in (one, two):
        rt.keep_revocations()
    async with one.engine.begin() as conn:
        await conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        await conn.run_sync(one.metadata.create_all)
    yield one, two
    async with one.engine.begin() as conn:
        await conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    for rt in (one, two):
        await rt.engine.dispose()


async def test_the_replica_that_did_not_consume_the_event_refuses_the_session_within_the_refresh(
        replicas: tuple[Runtime, Runtime]) -> None:
    one, two = replicas
    assert one.revocations is not None
    assert two.revocations is not None
    session = Principal("user-9", "staff", session_id="replica-session-000001", issued_at=time.time() - 60,
                        expires_at=time.time() + 3600)
    data = revocation(session, "signed-out", at=time.time(), this_session_only=True)
    stop = asyncio.Event()
    watching = asyncio.create_task(two.revocations.keep_fresh(two.engine, stop, 0.2))
    try:
        event = new_event(data, source="urn:frontdoor:intake", subject="staff:user-9")
        await one.revocations.remember(one.uow(), event, data, ACCESS_REVOKED)  # the replica given the event
        await one.revocations.remember(one.uow(), event, data, ACCESS_REVOKED)  # redelivered: one row, no error
        assert one.revocations.memory.ends(session)
        replica = two.revocations

        async def refused_there() -> bool:
            return replica.memory.ends(session)

        await until(refused_there, timeout=10)
    finally:
        stop.set()
        await watching

    third = Runtime(one.settings, service="revoke-test", schema=one.schema).keep_revocations()
    assert await third.refresh(one.engine) == 1  # a replica starting: before its first request
    assert third.memory.ends(session)


async def test_what_no_token_can_need_is_not_read_and_is_deleted(replicas: tuple[Runtime, Runtime]) -> None:
    one, _ = replicas
    assert one.revocations is not None
    past = datetime.now(UTC) - timedelta(days=2)
    old = AccessRevokedV1(kind="staff", subject="user-1", revoked_at=past, until=past + timedelta(hours=1),
                          reason="password-reset")
    new = AccessRevokedV1(kind="partner", subject="trust-1", revoked_at=datetime.now(UTC),
                          until=datetime.now(UTC) + timedelta(days=1), reason="partner-disabled")
    for data in (old, new):
        await one.revocations.remember(one.uow(), new_event(data, source="urn:frontdoor:intake", subject="x"),
                                       data, ACCESS_REVOKED)
    async with one.engine.connect() as conn:
        kept = (await conn.execute(sa.select(one.revocations.table.c.key))).scalars().all()
    assert kept == ["partner:trust-1"]  # the one no token can need any more was deleted as it came
    assert await one.revocations.refresh(one.engine) == 1
