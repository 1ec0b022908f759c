"""Waiting on the real database and broker in the shared library's integration tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any


async def until(predicate: Callable[[], Awaitable[Any]], timeout: float = 40.0) -> None:
    """Poll `predicate` until it is truthy; fail the test if it is not within `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not met in time")
