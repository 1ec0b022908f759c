"""The relay's loop: a commit that lands while a batch is being published is not left for the poll."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from frontdoor_shared.db import delivery_tables
from frontdoor_shared.outbox import OutboxRelay


async def test_a_commit_during_publishing_is_published_without_waiting_for_the_next_poll() -> None:
    stop = asyncio.Event()
    calls: list[float] = []

    class Relay(OutboxRelay):
        async def publish_once(self) -> int:
            calls.append(asyncio.get_running_loop().time())
            if len(calls) == 1:
                self.wake()  # a unit of work commits while this batch is on its way
            else:
                stop.set()
            return 0

        async def _cleanup_if_due(self) -> None:
            return None

    relay = Relay(None, delivery_tables(sa.MetaData(), "t"), None, poll_seconds=30)  # type: ignore[arg-type]
    await asyncio.wait_for(relay.run(stop), timeout=5)

    assert len(calls) == 2
    assert calls[1] - calls[0] < 1
