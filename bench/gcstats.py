"""`--gc-probe`: read what `bench/gcprobe/sitecustomize.py` wrote for each service process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PROBE_PATH = str(Path(__file__).parent / "gcprobe")


def read(folder: Path, pids: dict[str, int]) -> dict[str, dict[str, Any]]:
    """Each service's totals so far (by its process id); a service with no file yet is left out."""
    out = {}
    for service, pid in pids.items():
        try:
            out[service] = json.loads((folder / f"{pid}.json").read_text())
        except (OSError, ValueError):
            continue
    return out


def during(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The collector's CPU seconds and collections between two readings, and their share of the
    process's own CPU over the same span (each file is rewritten every second)."""
    out = {}
    for service, end in after.items():
        start = before.get(service) or {"gc_cpu_seconds": 0.0, "cpu_seconds": 0.0, "collections": [0, 0, 0]}
        gc_s = end["gc_cpu_seconds"] - start["gc_cpu_seconds"]
        cpu_s = end["cpu_seconds"] - start["cpu_seconds"]
        out[service] = {"gc_cpu_seconds": round(gc_s, 3), "cpu_seconds": round(cpu_s, 2),
                        "share_of_cpu": round(gc_s / cpu_s, 3) if cpu_s > 0 else None,
                        "collections": [e - s for e, s in zip(end["collections"], start["collections"], strict=True)],
                        "frozen_objects": end.get("frozen")}
    return out


def notes(gc_stats: dict[str, dict[str, Any]], n: int) -> list[str]:
    if not gc_stats:
        return []
    parts = ", ".join(f"{svc} {s['gc_cpu_seconds']:.2f} s ({s['share_of_cpu']:.0%} of its CPU; "
                      f"collections by generation {s['collections']})"
                      for svc, s in gc_stats.items() if s.get("share_of_cpu") is not None)
    return [f"Garbage collector at N = {n:,} (--gc-probe, CPU inside collections): {parts}."]
