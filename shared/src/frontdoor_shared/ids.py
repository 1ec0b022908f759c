"""New identifiers: UUIDv7 (RFC 9562), ordered by the time they were made.

The ids Front Door mints for rows PostgreSQL indexes (events, and so every inbox and outbox; concerns;
messages; panel cases; status-page links) are UUIDv7: the millisecond the id was made, then 74
random bits. Still no one can guess one, but a new id sorts after the ones made before it, so an
index on it grows at its right-hand edge, on pages already in memory, rather than at a random leaf
of a tree that grows with every concern ever received. Measured at N = 50,000 concerns (`python -m
bench --n 50000 --scale 50000 ...`, bench/README.md, session 13): PostgreSQL's CPU per concern 1.20
-> 0.96 ms and the stack 526 -> 566 concerns/s; the cost of a random key grew with N, this one
does not. What an id reveals is when it was made, which every event's `time` says already.
"""

from __future__ import annotations

import uuid

from uuid_utils.compat import uuid7


def new_id() -> uuid.UUID:
    """A new UUIDv7 (a standard-library `uuid.UUID`); later ids from this process sort after earlier ones."""
    return uuid7()
