"""Background work that runs beside the consumers: wait for a nudge or a period, act, repeat."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

from frontdoor_shared.errors_classify import is_transient

log = structlog.get_logger()


async def wait_for_either(stop: asyncio.Event, wake: asyncio.Event, seconds: float) -> None:
    waiters = [asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stop.wait())]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


async def repeat(name: str, action: Callable[[], Awaitable[int]], stop: asyncio.Event, wake: asyncio.Event,
                 seconds: float) -> None:
    """Run `action` until `stop`; go again at once while it finds work, otherwise after `seconds`
    or a nudge. Transient errors (database down) back off; anything else ends the loop loudly,
    and /health then reports it."""
    backoff = seconds
    while not stop.is_set():
        wake.clear()  # a nudge that comes while acting is kept for the wait below
        try:
            done = await action()
            backoff = seconds
        except Exception as err:
            if not is_transient(err):
                log.exception("loop.stopped", loop=name)
                raise
            log.warning("loop.retry", loop=name, error=type(err).__name__, backoff=round(backoff, 2))
            done, backoff = 0, min(backoff * 2, 30.0)
        if not done:
            await wait_for_either(stop, wake, backoff)
