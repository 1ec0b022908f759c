"""Start the whole platform: the embedded stack (or the servers named in the environment), the
topics, and the four services as separate processes, each migrating its own schema first."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from frontdoor_cli.stack import EmbeddedPostgres, StackError, TansuBroker, terminate

SERVICES = {"intake": 8000, "triage": 8001, "early-years": 8002, "notifications": 8003}


def _service_of(answer: httpx.Response) -> str | None:
    """The service a /health answer names (None if it is not one of ours)."""
    try:
        body = answer.json()
    except ValueError:
        return None
    return str(body.get("service")) if isinstance(body, dict) and body.get("service") else None


@dataclass
class Platform:
    home: Path
    database_url: str | None = None
    bootstrap: str | None = None
    pg_port: int = 55432
    kafka_port: int = 9092
    ports: dict[str, int] = field(default_factory=lambda: dict(SERVICES))
    extra_env: dict[str, str] = field(default_factory=dict)
    pg: EmbeddedPostgres | None = None
    broker: TansuBroker | None = None
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    replayed: dict[str, int] = field(default_factory=dict)

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    def start_stack(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        if self.database_url is None:
            self.pg = EmbeddedPostgres(self.home / "postgres", port=self.pg_port)
            self.pg.start()
            self.database_url = self.pg.url
        fresh_broker = self.bootstrap is None
        if fresh_broker:
            self.broker = TansuBroker(port=self.kafka_port, log_file=self.logs / "tansu.log")
            self.broker.start()
            self.bootstrap = self.broker.bootstrap
        from frontdoor_shared.kafka import ensure_topics

        assert self.bootstrap is not None
        asyncio.run(ensure_topics(self.bootstrap, int(os.environ.get("FRONTDOOR_TOPIC_PARTITIONS", "3"))))
        if fresh_broker:
            # Tansu keeps topics in memory: events published before the last stop are gone from
            # the broker, so re-drive the outbox's replay window; every consumer's inbox dedupes.
            from frontdoor_cli.ops import replay

            self.replayed = asyncio.run(replay(self.database_url))

    def env(self) -> dict[str, str]:
        assert self.database_url is not None, "start_stack first"
        assert self.bootstrap is not None, "start_stack first"
        env = {**os.environ, "DATABASE_URL": self.database_url,
               "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap, "FRONTDOOR_HOME": str(self.home),
               "FRONTDOOR_LOG_FORMAT": "json", **self.extra_env}
        for name, port in self.ports.items():
            env[f"{name.upper().replace('-', '_')}_PORT"] = str(port)
        env["INTAKE_PUBLIC_BASE_URL"] = f"http://127.0.0.1:{self.ports['intake']}"
        env["TRIAGE_INTAKE_BASE_URL"] = f"http://127.0.0.1:{self.ports['intake']}"
        env["INTAKE_SIGN_IN_RETURN_URLS"] = json.dumps(
            [f"http://127.0.0.1:{self.ports[s]}" for s in ("early-years", "notifications")])
        env["EARLY_YEARS_SIGN_IN_URL"] = f"http://127.0.0.1:{self.ports['intake']}/sign-in"
        env["EARLY_YEARS_INTAKE_API_URL"] = f"http://127.0.0.1:{self.ports['intake']}/api/v1"
        env["NOTIFICATIONS_SIGN_IN_URL"] = f"http://127.0.0.1:{self.ports['intake']}/sign-in"
        env["NOTIFICATIONS_REFERRER_URL"] = f"http://127.0.0.1:{self.ports['intake']}"
        env["EARLY_YEARS_PUBLIC_BASE_URL"] = f"http://127.0.0.1:{self.ports['early-years']}"
        return env

    def start_service(self, name: str, **env_overrides: str) -> subprocess.Popen[bytes]:
        binary = Path(sys.executable).parent / f"frontdoor-{name}"
        self.logs.mkdir(parents=True, exist_ok=True)
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - owned by the child process
        proc = subprocess.Popen([str(binary), "serve", "--migrate", "--port", str(self.ports[name])],
                                env={**self.env(), **env_overrides}, stdout=log, stderr=log,
                                start_new_session=True)
        self.procs[name] = proc
        return proc

    def start_services(self, timeout: float = 90) -> None:
        for name in self.ports:
            self.start_service(name)
        for name in self.ports:
            self.wait_healthy(name, timeout)

    @property
    def credentials_file(self) -> Path:
        return self.home / "dev-credentials.json"

    def seed_demo(self) -> dict[str, Any]:
        """The demo council: one user per role and a partner client, written to dev-credentials.json."""
        binary = Path(sys.executable).parent / "frontdoor-intake"
        subprocess.run([str(binary), "seed-demo", "--out", str(self.credentials_file)], env=self.env(),
                       check=True, capture_output=True, timeout=120)
        return json.loads(self.credentials_file.read_text())  # type: ignore[no-any-return]

    def wait_healthy(self, name: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.ports[name]}/health"
        while time.monotonic() < deadline:
            proc = self.procs.get(name)
            if proc is not None and proc.poll() is not None:
                raise StackError(f"{name} exited with {proc.returncode}; see {self.logs / (name + '.log')}")
            try:
                answer = httpx.get(url, timeout=1)
            except httpx.HTTPError:
                answer = None
            if answer is not None and answer.status_code == 200:
                service = _service_of(answer)
                if service == name:
                    return
                # another process holds the port (a port handed out twice): fail now, not later
                # with a 404 from the wrong service
                raise StackError(f"port {self.ports[name]} of {name} is answered by {service or 'something else'}")
            time.sleep(0.2)
        raise StackError(f"{name} was not healthy within {timeout:.0f}s; see {self.logs / (name + '.log')}")

    def stop_service(self, name: str, grace: float = 20) -> None:
        proc = self.procs.pop(name, None)
        if proc is not None:
            terminate(proc, grace)

    def stop(self) -> None:
        for name in list(self.procs):
            self.stop_service(name)
        if self.broker:
            self.broker.stop()
        if self.pg:
            self.pg.stop()
