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

import ctypes
import gc
import sys

YOUNG_THRESHOLD = 20_000

# glibc's malloc serves an allocation of at least this many bytes with its own mmap, returned to
# the system when freed. By default the threshold moves: freeing such a block of up to 32 MiB raises
# it to that block's size, so every later allocation below it comes from the heap, where freed
# memory mostly stays the process's. One 19 MiB password hash (argon2id, OWASP's parameters) was
# enough: intake's peak RSS at N = 10,000 went from 157 MB with the threshold fixed to 187 MB without.
MMAP_THRESHOLD = 128 * 1024  # glibc's default starting value, now held
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)


def hold_mmap_threshold(size: int = MMAP_THRESHOLD) -> bool:
    """Fix glibc malloc's mmap threshold (setting it turns its adjustment off); False where the C
    library is not glibc (nothing to do there)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(ctypes.c_int(_M_MMAP_THRESHOLD), ctypes.c_int(size)))


def settle() -> None:
    """Collect start-up's garbage, freeze what remains, and collect the young less often."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
