"""A lingering batch takes what arrived meanwhile, and if the consumer cannot give more (stopping,
rebalancing) the batch it has is handled as it is, never failed (which would dead-letter it)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from aiokafka.errors import ConsumerStoppedError

from frontdoor_shared.delivery import _gather_more


class _Consumer:
    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.asked: list[int] = []

    async def getmany(self, *, timeout_ms: int, max_records: int) -> Any:
        self.asked.append(max_records)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


async def test_what_arrived_while_lingering_joins_the_batch_and_the_message() -> None:
    first, later = SimpleNamespace(offset=1), SimpleNamespace(offset=2)
    message = SimpleNamespace(raw_message=(first,), consumer=_Consumer({"tp": [later]}))
    records = await _gather_more(message, (first,), 0.001, 500)
    assert records == (first, later)
    assert message.raw_message == (first, later)  # the middleware dead-letters from it if it must
    assert message.consumer.asked == [499]


async def test_a_consumer_that_cannot_give_more_leaves_the_batch_as_it_was() -> None:
    first = SimpleNamespace(offset=1)
    message = SimpleNamespace(raw_message=(first,), consumer=_Consumer(ConsumerStoppedError()))
    assert await _gather_more(message, (first,), 0.001, 500) == (first,)
    assert message.raw_message == (first,)
