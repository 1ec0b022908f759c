"""The stack the benchmark measures: its own embedded PostgreSQL and Tansu on free ports in a
temporary folder, or the servers named by DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS (then each run
gets a fresh database on that server, as the test stack does)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import gcstats
from frontdoor_cli.platform import SERVICES, Platform
from frontdoor_cli.stack import EmbeddedPostgres, TansuBroker, free_port, free_ports
from frontdoor_cli.testing import migrate_all


def libpq_url(url: str) -> str:
    """The same server as asyncpg itself takes it (SQLAlchemy's `postgresql+asyncpg://` is not a DSN)."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _create_database(server_url: str, name: str, template: str | None = None) -> str:
    import asyncpg

    conn = await asyncpg.connect(libpq_url(server_url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    finally:
        await conn.close()
    base, _, _ = server_url.rpartition("/")
    return f"{base}/{name}"


async def _drop_database(server_url: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(libpq_url(server_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def _skip_backlog(bootstrap: str, groups: list[str]) -> None:
    """On a broker that outlives a run: move each service's consumer group to the end of every
    topic, so a new run's services never pick up an earlier run's leftover events."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    from frontdoor_shared import topics

    for group in groups:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
        await consumer.start()
        try:
            await consumer.topics()  # load the metadata of every topic
            parts = [TopicPartition(t, p) for t in topics.all_topics()
                     for p in (consumer.partitions_for_topic(t) or set())]
            if not parts:
                continue
            consumer.assign(parts)
            await consumer.seek_to_end(*parts)
            await consumer.commit({tp: await consumer.position(tp) for tp in parts})
        finally:
            await consumer.stop()


@dataclass
class Run:
    """One measured run: a fresh database, (on the embedded stack) a fresh broker, the four
    services as processes, and a partner token."""

    label: str
    database_url: str
    database: str
    platform: Platform
    token: str
    jwk: dict[str, Any]

    @property
    def intake_url(self) -> str:
        return f"http://127.0.0.1:{self.platform.ports['intake']}"

    def pids(self) -> dict[str, int]:
        return {name: proc.pid for name, proc in self.platform.procs.items()}


@dataclass
class BenchStack:
    home: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="frontdoor-bench-")))
    server_url: str | None = None
    external_broker: str | None = None
    pg: EmbeddedPostgres | None = None
    broker: TansuBroker | None = None
    keep_databases: bool = False
    pg_options: str = ""  # for the embedded server (see bench/pgstats.py)
    gc_probe: bool = False  # services count their garbage collector's CPU (see bench/gcprobe)
    partner: dict[str, Any] = field(default_factory=dict)
    _template_name: str | None = None
    _databases: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return "embedded" if self.pg is not None and self.external_broker is None else (
            "external" if self.pg is None and self.external_broker else "mixed")

    def start(self) -> None:
        self.server_url = os.environ.get("DATABASE_URL")
        self.external_broker = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if self.server_url is None:
            self.pg = EmbeddedPostgres(self.home / "pg", port=free_port(), database="postgres",
                                       options=self.pg_options)
            self.pg.start()
            self.server_url = self.pg.url
        self.fresh_broker()

    @property
    def bootstrap(self) -> str:
        if self.external_broker:
            return self.external_broker
        assert self.broker is not None
        return str(self.broker.bootstrap)

    def fresh_broker(self) -> None:
        """Tansu keeps everything in memory: a new one per run starts every run from empty topics."""
        if self.external_broker:
            return
        if self.broker is not None:
            self.broker.stop()
        self.broker = TansuBroker(port=free_port(), log_file=self.home / "tansu.log")
        self.broker.start()

    def fresh_database(self, label: str, *, empty: bool = False) -> tuple[str, str]:
        """A new database: a copy of the migrated, seeded template (or empty)."""
        assert self.server_url is not None
        template = None if empty else self._template()
        name = f"frontdoor_bench_{label}_{uuid.uuid4().hex[:8]}"
        url = asyncio.run(_create_database(self.server_url, name, template))
        self._databases.append(name)
        return name, url

    def _template(self) -> str:
        """Migrate and seed once; every run's database is copied from it (CREATE DATABASE ... TEMPLATE),
        so a run starts in seconds and the demo partner's credentials stay the same."""
        if self._template_name is None:
            assert self.server_url is not None
            name = f"frontdoor_bench_template_{uuid.uuid4().hex[:8]}"
            url = asyncio.run(_create_database(self.server_url, name))
            self._databases.append(name)
            migrate_all(url)
            seeder = Platform(home=self.home / "template", database_url=url, bootstrap=self.bootstrap,
                              ports={s: 0 for s in SERVICES}, extra_env=self._env())
            self.partner = seeder.seed_demo()["partner_client"]
            self._template_name = name
        return self._template_name

    def _env(self) -> dict[str, str]:
        # Services need nothing from the bench's PYTHONPATH (keep them as `make run` has them), and a
        # short graceful stop so a run with a backlog ends quickly (shutdown is not measured).
        env = {"PYTHONPATH": "", "FRONTDOOR_GRACEFUL_TIMEOUT": "5"}
        if self.gc_probe:
            env.update(PYTHONPATH=gcstats.PROBE_PATH, FRONTDOOR_GC_PROBE_DIR=str(self.gc_folder))
        return env

    @property
    def gc_folder(self) -> Path:
        return self.home / "gc"

    def start_run(self, label: str, services: tuple[str, ...] = tuple(SERVICES), **env: str) -> Run:
        """A fresh database and broker, the services started and healthy, a partner token."""
        self.fresh_broker()
        name, url = self.fresh_database(label)
        from frontdoor_shared.kafka import ensure_topics

        asyncio.run(ensure_topics(self.bootstrap, int(os.environ.get("FRONTDOOR_TOPIC_PARTITIONS", "3"))))
        if self.external_broker:
            asyncio.run(_skip_backlog(self.bootstrap, list(SERVICES)))
        platform = Platform(home=self.home / f"run-{label}", database_url=url, bootstrap=self.bootstrap,
                            ports=dict(zip(SERVICES, free_ports(len(SERVICES)), strict=True)),
                            extra_env={**self._env(), **env})
        try:
            for service in services:
                platform.start_service(service)
            for service in services:
                platform.wait_healthy(service, timeout=180)
            base = f"http://127.0.0.1:{platform.ports['intake']}"
            r = httpx.post(f"{base}/oauth/token", data={"grant_type": "client_credentials"},
                           auth=(self.partner["client_id"], self.partner["client_secret"]), timeout=30)
            r.raise_for_status()
            jwk = httpx.get(f"{base}/api/v1/jwks.json", timeout=30).json()["keys"][0]
        except BaseException:
            self.end_run_platform(platform)
            raise
        return Run(label, url, name, platform, r.json()["access_token"], jwk)

    @staticmethod
    def end_run_platform(platform: Platform, grace: float = 15) -> None:
        """Stop every service at once (SIGTERM, then SIGKILL after `grace`)."""
        procs = list(platform.procs.values())
        platform.procs.clear()
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
        deadline = time.monotonic() + grace
        for proc in procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    def end_run(self, run: Run) -> None:
        self.end_run_platform(run.platform)

    def settings(self) -> dict[str, str]:
        """PostgreSQL's durability settings, to show every figure was taken with them on."""
        import asyncpg

        async def go() -> dict[str, str]:
            assert self.server_url is not None
            conn = await asyncpg.connect(libpq_url(self.server_url))
            try:
                return {k: await conn.fetchval(f"SHOW {k}") for k in
                        ("synchronous_commit", "fsync", "wal_sync_method", "server_version", "max_connections",
                         "shared_buffers")}
            finally:
                await conn.close()

        return asyncio.run(go())

    def stop(self) -> None:
        if self.pg is None and self.server_url is not None and not self.keep_databases:
            # on a server named in the environment, leave nothing behind
            for name in self._databases:
                with contextlib.suppress(Exception):
                    asyncio.run(_drop_database(self.server_url, name))
        if self.broker is not None:
            self.broker.stop()
            self.broker = None
        if self.pg is not None:
            self.pg.stop()
        shutil.rmtree(self.home, ignore_errors=True)
