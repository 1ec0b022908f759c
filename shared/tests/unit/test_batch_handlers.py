"""The batch consumer hands a contract's events to its set-based handler as one list per batch,
in order, and falls back to the per-event handler, one event at a time, when the set fails."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any, ClassVar

from pydantic import Field

from frontdoor_shared.contracts.base import Contract
from frontdoor_shared.delivery import BatchConsumer
from frontdoor_shared.envelope import new_event
from frontdoor_shared.errors import PermanentError


class SetV1(Contract):
    """Handled as a set."""

    TYPE: ClassVar[str] = "uk.frontdoor.test.set.v1"
    TOPIC: ClassVar[str] = "test.set.v1"
    VERSION: ClassVar[int] = 1
    n: int = Field(description="A number")


class EachV1(Contract):
    """Handled one by one."""

    TYPE: ClassVar[str] = "uk.frontdoor.test.each.v1"
    TOPIC: ClassVar[str] = "test.each.v1"
    VERSION: ClassVar[int] = 1
    n: int = Field(description="A number")


class Host:
    def __init__(self) -> None:
        self.claimed: list[str] = []
        self.dead: list[str] = []

    @asynccontextmanager
    async def batch_scope(self) -> Any:
        async def claim(events: Any) -> None:
            self.claimed.extend(e.id for e, _ in events)

        yield SimpleNamespace(claim=claim)

    def dead_letters(self) -> Any:
        async def send(record: Any, err: BaseException) -> None:
            self.dead.append(record.value.decode())

        return SimpleNamespace(send=send)


def _record(payload: Contract) -> Any:
    return SimpleNamespace(value=new_event(payload, source="urn:test", subject="s").to_bytes(), topic=payload.TOPIC)


async def test_a_contracts_events_go_to_its_set_handler_as_one_ordered_list() -> None:
    seen: list[tuple[str, Any]] = []

    async def each(event: Any, data: Any, topic: str) -> None:
        seen.append(("each", data.n))

    async def as_set(items: list[Any]) -> None:
        seen.append(("set", [data.n for _, data, _ in items]))

    host = Host()
    consumer = BatchConsumer(host, each, [SetV1, EachV1], batch_handlers={SetV1: as_set})
    await consumer.handle([_record(SetV1(n=1)), _record(EachV1(n=2)), _record(SetV1(n=3)), _record(SetV1(n=4))])
    assert seen == [("each", 2), ("set", [1, 3, 4])]
    assert len(host.claimed) == 4
    assert consumer.isolated_batches == 0


async def test_when_the_set_fails_each_event_is_handled_alone_and_only_the_poison_dead_lettered() -> None:
    handled: list[int] = []

    async def each(event: Any, data: Any, topic: str) -> None:
        if data.n == 3:
            raise PermanentError("n: three is poison")
        handled.append(data.n)

    async def as_set(items: list[Any]) -> None:
        raise PermanentError("one of the set is poison")

    host = Host()
    consumer = BatchConsumer(host, each, [SetV1], batch_handlers={SetV1: as_set})
    await consumer.handle([_record(SetV1(n=n)) for n in (1, 2, 3, 4)])
    assert handled == [1, 2, 4]
    assert consumer.isolated_batches == 1
    assert len(host.dead) == 1
    assert '"n":3' in host.dead[0]


async def test_before_batch_is_awaited_once_before_each_batchs_transaction_opens() -> None:
    """A service's backpressure (`before_batch`) holds the batch before its transaction: nothing is
    claimed or handled while it waits; a batch that is only dead letters does not wait."""
    order: list[str] = []
    release = asyncio.Event()

    class Watched(Host):
        @asynccontextmanager
        async def batch_scope(self) -> Any:
            order.append("transaction")
            async with super().batch_scope() as scope:
                yield scope

    async def each(event: Any, data: Any, topic: str) -> None:
        order.append(f"each {data.n}")

    async def held_back() -> None:
        order.append("before")
        await release.wait()

    host = Watched()
    consumer = BatchConsumer(host, each, [EachV1], before_batch=held_back)
    task = asyncio.ensure_future(consumer.handle([_record(EachV1(n=1)), _record(EachV1(n=2))]))
    await asyncio.sleep(0.05)
    assert order == ["before"]  # held: no transaction, nothing claimed or handled
    assert host.claimed == []
    release.set()
    await asyncio.wait_for(task, 5)
    assert order == ["before", "transaction", "each 1", "each 2"]

    order.clear()
    await consumer.handle([SimpleNamespace(value=b"not json", topic=EachV1.TOPIC)])
    assert order == []  # nothing to handle: nothing to hold back
    assert len(host.dead) == 1


async def test_a_failing_before_batch_is_logged_and_the_batch_still_handled() -> None:
    """The hold-back is advice: if it fails, the batch goes ahead rather than being dead-lettered
    with a reason that is not its events'."""
    handled: list[int] = []

    async def each(event: Any, data: Any, topic: str) -> None:
        handled.append(data.n)

    async def broken() -> None:
        raise RuntimeError("the sender's count went wrong")

    host = Host()
    consumer = BatchConsumer(host, each, [EachV1], before_batch=broken)
    await consumer.handle([_record(EachV1(n=1)), _record(EachV1(n=2))])
    assert handled == [1, 2]
    assert host.dead == []
    assert len(host.claimed) == 2
