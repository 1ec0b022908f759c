"""`--gc-probe`: a real Python process, started as the bench starts a service, counts the CPU its
garbage collector spends; without the variable the probe does nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bench import gcstats

WORK = """
import gc
class Node:
    pass
for _ in range(200):
    nodes = [Node() for _ in range(2000)]
    for a, b in zip(nodes, nodes[1:]):
        a.next, b.prev = b, a
    del nodes
    gc.collect()
"""


def _run(tmp_path: Path, *, probe: bool) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FRONTDOOR_GC_PROBE_DIR")}
    env["PYTHONPATH"] = gcstats.PROBE_PATH
    if probe:
        env["FRONTDOOR_GC_PROBE_DIR"] = str(tmp_path)
    return subprocess.run([sys.executable, "-c", WORK], env=env, check=True, capture_output=True, timeout=120)


def test_a_process_counts_its_collectors_cpu(tmp_path: Path) -> None:
    _run(tmp_path, probe=True)
    pid_files = list(tmp_path.glob("*.json"))
    assert len(pid_files) == 1
    pid = int(pid_files[0].stem)

    after = gcstats.read(tmp_path, {"probe": pid})
    stats = gcstats.during({}, after)["probe"]
    assert stats["collections"][2] >= 200  # every gc.collect() is a full collection
    assert stats["gc_cpu_seconds"] > 0
    assert 0 < stats["share_of_cpu"] < 1
    assert "probe" in gcstats.notes({"probe": stats}, 1000)[0]


def test_without_the_variable_the_probe_writes_nothing(tmp_path: Path) -> None:
    _run(tmp_path, probe=False)
    assert list(tmp_path.iterdir()) == []


def test_during_takes_the_difference_between_two_readings() -> None:
    before = {"intake": {"gc_cpu_seconds": 1.0, "cpu_seconds": 10.0, "collections": [100, 10, 1]}}
    after = {"intake": {"gc_cpu_seconds": 1.5, "cpu_seconds": 15.0, "collections": [150, 12, 1], "frozen": 7}}
    got = gcstats.during(before, after)["intake"]
    assert got == {"gc_cpu_seconds": 0.5, "cpu_seconds": 5.0, "share_of_cpu": 0.1, "collections": [50, 2, 0],
                   "frozen_objects": 7}
