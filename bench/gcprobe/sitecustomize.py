"""`--gc-probe`: how much CPU each service spends in CPython's garbage collector.

The benchmark puts this folder on the services' PYTHONPATH, so Python imports it at start-up (as
`sitecustomize`). With FRONTDOOR_GC_PROBE_DIR set, a `gc.callbacks` hook adds up the process's
CPU time (`time.process_time`) inside each collection, by generation, and a daemon thread writes
the totals (and the process's CPU so far) to `<dir>/<pid>.json` every second and at exit. Without
the variable it does nothing. On that path it stands in for any other `sitecustomize` the interpreter would
load (the project's virtual environment has none).
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import sys
import threading
import time

_DIR = os.environ.get("FRONTDOOR_GC_PROBE_DIR")


def _install(folder: str) -> None:
    started = [0.0]
    seconds = [0.0, 0.0, 0.0]
    counts = [0, 0, 0]
    path = os.path.join(folder, f"{os.getpid()}.json")

    def write() -> None:
        body = {"argv": sys.argv[1:3], "program": os.path.basename(sys.argv[0]), "gc_cpu_seconds": sum(seconds),
                "by_generation_seconds": seconds, "collections": counts, "cpu_seconds": time.process_time(),
                "frozen": gc.get_freeze_count(), "threshold": list(gc.get_threshold()), "at": time.time()}
        tmp = f"{path}.{threading.get_ident()}.tmp"  # the thread and the exit may write at once
        with open(tmp, "w") as f:
            json.dump(body, f)
        os.replace(tmp, path)

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.process_time()
            return
        generation = info["generation"]
        seconds[generation] += time.process_time() - started[0]
        counts[generation] += 1

    def every_second() -> None:
        while True:
            time.sleep(1.0)
            write()

    os.makedirs(folder, exist_ok=True)
    gc.callbacks.append(callback)
    atexit.register(write)
    threading.Thread(target=every_second, name="gc-probe", daemon=True).start()


if _DIR:
    _install(_DIR)
