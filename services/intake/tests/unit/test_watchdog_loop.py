"""The watchdog outlives a failing sweep: it logs, counts and sweeps again (no I/O: sweep is faked)."""

from __future__ import annotations

import asyncio

import pytest

from intake.bootstrap import Intake
from intake.config import IntakeSettings
from intake.service_layer import watchdog


async def test_a_sweep_that_fails_is_counted_and_the_next_one_still_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    intake = Intake(IntakeSettings(watchdog_interval_seconds=0.01))
    calls = 0
    stop = asyncio.Event()

    async def flaky_sweep(*_: object, **__: object) -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ValueError("a bug in one sweep")
        stop.set()
        return 0

    monkeypatch.setattr(watchdog, "sweep", flaky_sweep)
    await asyncio.wait_for(intake.watch(stop), timeout=5)
    assert calls == 2
    assert intake.watchdog.failed_sweeps == 1
