"""The sender records a whole round of sends in one transaction, whatever each one's outcome."""

from __future__ import annotations

import uuid
from types import SimpleNamespace, TracebackType
from typing import Any

from notifications.service_layer.sender import Sender


class CountingUnitOfWork:
    opened = 0

    def __init__(self) -> None:
        CountingUnitOfWork.opened += 1
        self.committed = False

    async def __aenter__(self) -> CountingUnitOfWork:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        return None

    async def commit(self) -> None:
        self.committed = True


async def test_a_round_of_outcomes_is_recorded_in_one_transaction() -> None:
    seen: list[tuple[Any, Any, Any]] = []

    async def sent(uow: CountingUnitOfWork, ctx: Any, row: Any, outcome: Any) -> None:
        seen.append((uow, row, outcome))

    async def failed(uow: CountingUnitOfWork, ctx: Any, row: Any, outcome: Any) -> None:
        seen.append((uow, row, outcome))

    runtime = SimpleNamespace(uow=CountingUnitOfWork)
    sender = Sender(runtime, channel=None, ctx=None)  # type: ignore[arg-type]
    rows = [SimpleNamespace(id=uuid.uuid4()) for _ in range(6)]
    CountingUnitOfWork.opened = 0

    await sender._record([(sent if i % 3 else failed, row, f"outcome-{i}") for i, row in enumerate(rows)])

    assert CountingUnitOfWork.opened == 1
    assert [row for _, row, _ in seen] == rows
    assert len({id(uow) for uow, _, _ in seen}) == 1
    assert seen[0][0].committed
