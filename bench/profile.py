"""Profile before optimising: sample each service with py-spy (if installed) while it works, and
say where its CPU goes, by library and by function. Optional: without py-spy this says so."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

# leaf frame's file -> what the time is spent on
CATEGORIES = [
    ("sqlalchemy", "SQLAlchemy (core/ORM, compiling and result rows)"),
    ("asyncpg", "asyncpg (PostgreSQL protocol)"),
    ("pydantic", "pydantic (validation/serialisation)"),
    ("jinja2", "Jinja2 (message templates)"),
    ("aiokafka", "aiokafka (Kafka protocol)"),
    ("kafka/", "aiokafka (Kafka protocol)"),
    ("faststream", "FastStream (subscriber plumbing)"),
    ("structlog", "logging (structlog)"),
    ("logging/", "logging (stdlib)"),
    ("joserfc", "JOSE/crypto (JWE, JWT, sealing)"),
    ("cryptography", "JOSE/crypto (JWE, JWT, sealing)"),
    ("nacl", "JOSE/crypto (JWE, JWT, sealing)"),
    ("starlette", "HTTP (uvicorn/starlette/FastAPI)"),
    ("fastapi", "HTTP (uvicorn/starlette/FastAPI)"),
    ("uvicorn", "HTTP (uvicorn/starlette/FastAPI)"),
    ("h11", "HTTP (uvicorn/starlette/FastAPI)"),
    ("httptools", "HTTP (uvicorn/starlette/FastAPI)"),
    ("asyncio", "asyncio event loop"),
    ("selectors", "asyncio event loop"),
    ("json", "json"),
    ("uuid", "uuid"),
    ("frontdoor_shared", "Front Door shared code"),
    ("services/", "the service's own code"),
    ("intake/", "the service's own code"),
    ("triage/", "the service's own code"),
    ("early_years/", "the service's own code"),
    ("notifications/", "the service's own code"),
]
# Leaf functions where a thread waits rather than works (py-spy can see a thread woken from
# epoll but not yet given a core as active): counted apart, not as busy.
WAITING = ("EpollSelector.select", "Condition.wait", "Event.wait", "_worker (thread.py)", "select (selectors.py)")
# Costs worth naming, found anywhere on a sample's stack (share of busy samples).
MARKERS = {
    "sync code hopped to a thread pool (FastStream decoder, sync dependencies)": ("run_in_threadpool", "to_thread.py"),
    "SQLAlchemy pool pre-ping (an extra round trip per checkout)": ("_do_ping", "do_ping ("),
    "SQLAlchemy pool reset on return (ROLLBACK round trip)": ("_reset (sqlalchemy/pool", "_finalize_fairy"),
    "outbox relay": ("OutboxRelay.run",),
    "HTTP request handling": ("starlette/routing.py", "fastapi/routing.py"),
    "Kafka consumer handler (inbox + effect + outbox)": ("consume_scope (frontdoor_shared/delivery.py",),
    "notifications sender": ("Sender.send_due_once", "Sender._deliver"),
    "logging": ("structlog", "logging/__init__.py"),
    "Jinja2 templates": ("jinja2",),
    "JWE / sealing crypto": ("joserfc", "sealed.py", "nacl"),
}
_FRAME = re.compile(r"^(?P<fn>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def py_spy() -> str | None:
    """py-spy from BENCH_PY_SPY, beside this Python, or on PATH; None when it is not installed."""
    named = os.environ.get("BENCH_PY_SPY")
    if named and Path(named).exists():
        return named
    local = Path(sys.executable).parent / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


def start(pids: dict[str, int], seconds: float, out_dir: Path, rate: int = 50) -> dict[str, subprocess.Popen[bytes]]:
    binary = py_spy()
    if binary is None:
        return {}
    out_dir.mkdir(parents=True, exist_ok=True)
    procs = {}
    for name, pid in pids.items():
        procs[name] = subprocess.Popen(
            [binary, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", str(rate),
             "--format", "raw", "--nonblocking", "--gil", "--output", str(out_dir / f"{name}.txt")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return procs


def finish(procs: dict[str, subprocess.Popen[bytes]], out_dir: Path, seconds: float, rate: int = 50
           ) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name, proc in procs.items():
        try:
            proc.wait(timeout=seconds + 30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        path = out_dir / f"{name}.txt"
        if path.exists():
            results[name] = summarise(path.read_text(), seconds * rate)
    return results


def _category(file: str) -> str:
    for needle, label in CATEGORIES:
        if needle in file:
            return label
    return "other"


def summarise(raw: str, possible_samples: float) -> dict[str, Any]:
    """Collapsed stacks -> busy share, time by library (leaf frame) and the hottest functions."""
    by_cat: Counter[str] = Counter()
    by_fn: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    markers: Counter[str] = Counter()
    total = waiting = 0
    for line in raw.splitlines():
        stack, _, count_s = line.rpartition(" ")
        if not stack or not count_s.isdigit():
            continue
        count = int(count_s)
        frames = stack.split(";")
        total += count
        leaf = _FRAME.match(frames[-1])
        file = leaf.group("file") if leaf else frames[-1]
        fn = leaf.group("fn") if leaf else frames[-1]
        label = f"{fn} ({Path(file).name})"
        if any(w in label for w in WAITING):
            waiting += count
            continue
        by_cat[_category(file)] += count
        by_fn[label] += count
        for marker, needles in MARKERS.items():
            if any(n in stack for n in needles):
                markers[marker] += count
        if "_SelectorSocketTransport.write" in frames[-1] or "sock_sendall" in frames[-1]:
            peer = "PostgreSQL (asyncpg)" if "asyncpg" in stack else (
                "the broker (aiokafka)" if "aiokafka" in stack else "HTTP clients (uvicorn)")
            markers[f"send() syscalls to {peer}: many small round trips"] += count
        seen = set()
        for frame in frames:
            m = _FRAME.match(frame)
            if m and ("frontdoor_shared" in m.group("file") or "/src/" in m.group("file")) \
                    and "site-packages" not in m.group("file"):
                key = f"{m.group('fn')} ({Path(m.group('file')).name})"
                if key not in seen and not key.startswith("service_cli"):
                    seen.add(key)
                    inclusive[key] += count
    busy = total - waiting
    if not busy:
        return {"samples": total, "busy_share": 0.0}
    return {
        "samples": total, "waiting_samples": waiting,
        "busy_share": round(busy / possible_samples, 3) if possible_samples else None,
        "by_library": {k: round(v / busy, 3) for k, v in by_cat.most_common(8)},
        "hottest_functions": {k: round(v / busy, 3) for k, v in by_fn.most_common(10)},
        "own_code_inclusive": {k: round(v / busy, 3) for k, v in inclusive.most_common(12)},
        "named_costs": {k: round(v / busy, 3) for k, v in markers.most_common()},
    }
