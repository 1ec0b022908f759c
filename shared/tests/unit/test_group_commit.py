"""Group commit: callers who arrive while a group is written go together next, each hears its own
outcome, a failed write reaches every caller of its group, and the writer carries no caller's context."""

from __future__ import annotations

import asyncio
import contextvars

import pytest

from frontdoor_shared.group_commit import GroupCommit

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


class Writer:
    def __init__(self, fail_items: frozenset[int] = frozenset(), fail_group: bool = False) -> None:
        self.groups: list[list[int]] = []
        self.seen_context: list[str | None] = []
        self.fail_items = fail_items
        self.fail_group = fail_group
        self.release = asyncio.Event()

    async def __call__(self, items: list[int]) -> list[int | BaseException]:
        self.groups.append(items)
        self.seen_context.append(request_id.get())
        await self.release.wait()  # the write takes time: later callers queue meanwhile
        if self.fail_group:
            raise ConnectionError("database went away")
        return [ValueError(f"item {i} refused") if i in self.fail_items else i * 10 for i in items]


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_callers_arriving_during_a_write_go_together_in_the_next_group() -> None:
    writer = Writer()
    group = GroupCommit(writer, max_size=100)
    first = asyncio.create_task(group(1))
    await _settle()
    rest = [asyncio.create_task(group(i)) for i in range(2, 7)]
    await _settle()
    assert writer.groups == [[1]]  # the first call did not wait for company
    writer.release.set()
    assert await first == 10
    assert [await t for t in rest] == [20, 30, 40, 50, 60]
    assert writer.groups == [[1], [2, 3, 4, 5, 6]]
    assert (group.groups, group.largest) == (2, 5)


async def test_each_caller_hears_its_own_refusal_only() -> None:
    writer = Writer(fail_items=frozenset({3}))
    writer.release.set()
    group = GroupCommit(writer)
    results = await asyncio.gather(*(group(i) for i in range(1, 5)), return_exceptions=True)
    assert [results[0], results[1], results[3]] == [10, 20, 40]
    assert isinstance(results[2], ValueError)
    assert "item 3" in str(results[2])


async def test_a_failed_write_reaches_every_caller_of_its_group_and_the_next_group_still_runs() -> None:
    writer = Writer(fail_group=True)
    writer.release.set()
    group = GroupCommit(writer)
    results = await asyncio.gather(*(group(i) for i in range(3)), return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    writer.fail_group = False
    assert await group(7) == 70


async def test_groups_are_capped() -> None:
    writer = Writer()
    group = GroupCommit(writer, max_size=3)
    tasks = [asyncio.create_task(group(i)) for i in range(8)]
    await _settle()
    writer.release.set()
    assert [await t for t in tasks] == [i * 10 for i in range(8)]
    assert [len(g) for g in writer.groups] == [3, 3, 2]


async def test_a_caller_that_gives_up_does_not_disturb_the_others() -> None:
    writer = Writer()
    group = GroupCommit(writer)
    quitter = asyncio.create_task(group(1))
    stayer = asyncio.create_task(group(2))
    await _settle()
    quitter.cancel()
    writer.release.set()
    assert await stayer == 20
    with pytest.raises(asyncio.CancelledError):
        await quitter


async def test_the_writer_carries_no_callers_context() -> None:
    writer = Writer()
    writer.release.set()
    group = GroupCommit(writer)
    request_id.set("caller-a")
    assert await group(1) == 10
    assert writer.seen_context == [None]
