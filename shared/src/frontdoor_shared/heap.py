"""The garbage collector, set for a long-running service.

CPython's cycle collector runs a full collection, which visits every object the process holds,
whenever enough new objects have outlived two younger collections. A service holds a large heap
that never becomes garbage: the modules, SQLAlchemy's tables and compiled statements, pydantic's
validators, FastAPI's routes, the templates. Measured with `python -m bench --gc-probe` (a
`gc.callbacks` hook in each service adding up the CPU inside collections): 10-23% of each service's
CPU went to the collector (intake 23%), most of it full collections walking that heap again and
again; 1-8% since.

`settle()` is called once the service is built, before it serves: it collects what start-up left
behind, then freezes the rest (`gc.freeze`), so later collections walk only what was made since.
The young generation's threshold is raised from 700 to `YOUNG_THRESHOLD` allocations: handling one
batch of events allocates tens of thousands of short-lived objects, most freed by reference
counting; collecting every 700 of them was a collection per few events. Cyclic garbage is still
collected, just in fewer, larger rounds (peak RSS is measured by `make bench`).
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 20_000


def settle() -> None:
    """Collect start-up's garbage, freeze what remains, and collect the young less often."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
