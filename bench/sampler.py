"""Resource sampling beside a run: each service's RSS every 0.5 s (peak and last), and the CPU
seconds each process (the four services, PostgreSQL's processes, the broker, the bench itself)
used between `mark()` and `stop()`, so a figure can say where the two cores went."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import psutil

MACHINE = "whole machine"
OUTSIDE = "outside this benchmark (other programs)"
KERNEL = "kernel:"


def tree_cpu(proc: psutil.Process) -> float:
    return sum(_tree_user_system(proc))


def _tree_user_system(proc: psutil.Process) -> tuple[float, float]:
    """CPU seconds of a process and its children: (in its own code, in the kernel on its behalf)."""
    user = system = 0.0
    with contextlib.suppress(psutil.Error):
        for p in [proc, *proc.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                t = p.cpu_times()
                user, system = user + t.user, system + t.system
    return user, system


def _run_delay(pid: int) -> float:
    """Seconds this process's threads spent runnable but waiting for a core (/proc schedstat)."""
    total = 0
    with contextlib.suppress(OSError):
        for tid in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError, ValueError, IndexError), \
                    open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[1])
    return total / 1e9


def _tree_wait(proc: psutil.Process) -> float:
    total = 0.0
    with contextlib.suppress(psutil.Error):
        total += _run_delay(proc.pid)
        for child in proc.children(recursive=True):
            total += _run_delay(child.pid)
    return total


def _tree_switches(proc: psutil.Process) -> int:
    total = 0
    with contextlib.suppress(psutil.Error):
        for p in [proc, *proc.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                c = p.num_ctx_switches()
                total += c.voluntary + c.involuntary
    return total


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    with contextlib.suppress(psutil.Error):
        total += proc.memory_info().rss
        for child in proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
    return total


def postgres_root(port: int | None) -> psutil.Process | None:
    """The postmaster listening on `port` (on the embedded stack), whose children do the work."""
    if port is None:
        return None
    for conn in psutil.net_connections(kind="tcp"):
        if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN and conn.pid:
            with contextlib.suppress(psutil.Error):
                return psutil.Process(conn.pid)
    for proc in psutil.process_iter(["name", "cmdline"]):
        with contextlib.suppress(psutil.Error):
            cmd = " ".join(proc.info["cmdline"] or [])
            if proc.info["name"] == "postgres" and f"-p {port}" in cmd:
                return proc
    return None


@dataclass
class Sampler:
    services: dict[str, int]  # name -> pid
    others: dict[str, psutil.Process | None] = field(default_factory=dict)  # postgres, broker (trees)
    interval: float = 0.5
    peak_rss: dict[str, int] = field(default_factory=dict)
    last_rss: dict[str, int] = field(default_factory=dict)
    series: list[dict[str, Any]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _cpu0: dict[str, float] = field(default_factory=dict)
    _wait0: dict[str, float] = field(default_factory=dict)
    _load0: float = 0.0
    wait_seconds: dict[str, float] = field(default_factory=dict)
    switches: dict[str, int] = field(default_factory=dict)
    _sw0: dict[str, int] = field(default_factory=dict)
    load: tuple[float, float] = (0.0, 0.0)
    _t0: float = 0.0
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    kernel_seconds: dict[str, float] = field(default_factory=dict)
    wall_seconds: float = 0.0

    def _procs(self) -> dict[str, psutil.Process]:
        out: dict[str, psutil.Process] = {}
        for name, pid in self.services.items():
            with contextlib.suppress(psutil.Error):
                out[name] = psutil.Process(pid)
        return out

    def _cpu_now(self) -> dict[str, float]:
        cpu = {name: tree_cpu(p) for name, p in self._procs().items()}
        for name, proc in self.others.items():
            if proc is not None:
                cpu[name] = tree_cpu(proc)
        for name, proc in [*self._procs().items(), *self.others.items()]:
            if proc is not None:
                cpu[f"{KERNEL}{name}"] = _tree_user_system(proc)[1]
        me = psutil.Process(os.getpid()).cpu_times()
        cpu["bench client"] = me.user + me.system
        machine = psutil.cpu_times()
        cpu[MACHINE] = machine.user + machine.system + machine.nice + getattr(machine, "irq", 0) \
            + getattr(machine, "softirq", 0)
        cpu[f"{KERNEL}{MACHINE}"] = machine.system + getattr(machine, "irq", 0) + getattr(machine, "softirq", 0)
        return cpu

    def _wait_now(self) -> dict[str, float]:
        wait = {name: _tree_wait(p) for name, p in self._procs().items()}
        for name, proc in self.others.items():
            if proc is not None:
                wait[name] = _tree_wait(proc)
        return wait

    def _switches_now(self) -> dict[str, int]:
        sw = {name: _tree_switches(p) for name, p in self._procs().items()}
        for name, proc in self.others.items():
            if proc is not None:
                sw[name] = _tree_switches(proc)
        return sw

    def start(self) -> Sampler:
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)
        self._thread.start()
        self.mark()
        return self

    def mark(self) -> None:
        """Start (or restart) the CPU window."""
        self._cpu0 = self._cpu_now()
        self._wait0 = self._wait_now()
        self._sw0 = self._switches_now()
        self._load0 = os.getloadavg()[0]
        self._t0 = time.monotonic()

    def _loop(self) -> None:
        procs = self._procs()
        started = time.monotonic()
        while not self._stop.is_set():
            row: dict[str, Any] = {"t": round(time.monotonic() - started, 2)}
            for name, proc in procs.items():
                with contextlib.suppress(psutil.Error):
                    rss = proc.memory_info().rss
                    self.last_rss[name] = rss
                    self.peak_rss[name] = max(self.peak_rss.get(name, 0), rss)
                    row[name] = rss
            for name, other in self.others.items():
                if other is not None:
                    rss = _tree_rss(other)
                    self.peak_rss[name] = max(self.peak_rss.get(name, 0), rss)
                    row[name] = rss
            self.series.append(row)
            self._stop.wait(self.interval)

    def stop(self) -> None:
        cpu1, wait1, sw1 = self._cpu_now(), self._wait_now(), self._switches_now()
        self.switches = {k: sw1[k] - self._sw0.get(k, 0) for k in sw1}
        self.wall_seconds = time.monotonic() - self._t0
        spent = {k: round(cpu1[k] - self._cpu0.get(k, 0.0), 2) for k in cpu1}
        self.cpu_seconds = {k: v for k, v in spent.items() if not k.startswith(KERNEL)}
        self.kernel_seconds = {k[len(KERNEL):]: v for k, v in spent.items() if k.startswith(KERNEL)}
        self.wait_seconds = {k: round(wait1[k] - self._wait0.get(k, 0.0), 2) for k in wait1}
        ours = sum(v for k, v in self.cpu_seconds.items() if k != MACHINE)
        self.cpu_seconds[OUTSIDE] = round(max(0.0, self.cpu_seconds[MACHINE] - ours), 2)
        self.load = (self._load0, os.getloadavg()[0])
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def summary(self) -> dict[str, Any]:
        mb = 1024 * 1024
        wall = self.wall_seconds or 1.0
        return {
            "peak_rss_mb": {k: round(v / mb, 1) for k, v in self.peak_rss.items()},
            "cpu_seconds": self.cpu_seconds,
            "cpu_share_of_all_cores": {k: round(v / (wall * (os.cpu_count() or 1)), 3)
                                       for k, v in self.cpu_seconds.items()},
            "waiting_for_a_core_seconds": self.wait_seconds,
            # of cpu_seconds, how much the kernel spent on each one's behalf (system calls: sockets,
            # loopback TCP, wake-ups; for the machine also interrupts)
            "kernel_seconds": self.kernel_seconds,
            "context_switches": self.switches,
            "load_average_1m": {"start": round(self.load[0], 2), "end": round(self.load[1], 2)},
            "window_seconds": round(self.wall_seconds, 2), "cores": os.cpu_count() or 1,
        }
