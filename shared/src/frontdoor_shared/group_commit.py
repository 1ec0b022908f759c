"""Group commit: calls that arrive while a group is being written wait, and go together next.

The first call after a quiet spell starts a group at once (no added latency when idle); calls that
arrive while it is being written queue and form the next group, so under load each write carries
many calls (one transaction, one fsync) and the group size follows the load by itself. Each caller
gets its own outcome: `run(items)` returns one result or exception per item, in order.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    def __init__(self, run: Callable[[list[T]], Awaitable[Sequence[R | BaseException]]], *, max_size: int = 100
                 ) -> None:
        self._run = run
        self._max = max_size
        self._queue: list[tuple[T, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.groups = 0
        self.largest = 0

    async def __call__(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._writer is None or self._writer.done():
            # a fresh context: the writer serves every caller, so it must carry none's context
            self._writer = asyncio.get_running_loop().create_task(
                self._write(), name="group-commit", context=contextvars.Context())
        return await future

    async def _write(self) -> None:
        while self._queue:
            group, self._queue = self._queue[:self._max], self._queue[self._max:]
            self.groups += 1
            self.largest = max(self.largest, len(group))
            try:
                outcomes: Sequence[R | BaseException] = await self._run([item for item, _ in group])
                if len(outcomes) != len(group):
                    raise RuntimeError(f"group commit: {len(outcomes)} outcomes for {len(group)} items")
            except BaseException as err:  # every waiting caller hears of it; nothing is left hanging
                outcomes = [err] * len(group)
                if not isinstance(err, Exception):
                    for _, future in group:
                        if not future.done():
                            future.set_exception(err)
                    raise
            for (_, future), outcome in zip(group, outcomes, strict=True):
                if future.done():  # the caller gave up (cancelled); its item was still written
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
