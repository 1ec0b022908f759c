"""Retention runs on the watchdog's sweep only when configured (no I/O: both sweeps are faked)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from intake.bootstrap import Intake
from intake.config import IntakeSettings
from intake.service_layer import erasure, watchdog


async def _one_round(monkeypatch: pytest.MonkeyPatch, settings: IntakeSettings) -> list[timedelta]:
    intake, stop, kept_for = Intake(settings), asyncio.Event(), []

    async def sweep(*_: object, **__: object) -> int:
        return 0

    async def retention(*_: object, keep_for: timedelta, **__: Any) -> int:
        kept_for.append(keep_for)
        return 0

    async def stop_soon() -> None:
        await asyncio.sleep(0.05)
        stop.set()

    monkeypatch.setattr(watchdog, "sweep", sweep)
    monkeypatch.setattr(erasure, "sweep_retention", retention)
    await asyncio.gather(intake.watch(stop), stop_soon())
    return kept_for


async def test_finished_concerns_are_swept_for_retention_with_the_configured_period(
        monkeypatch: pytest.MonkeyPatch) -> None:
    kept_for = await _one_round(monkeypatch, IntakeSettings(watchdog_interval_seconds=0.01, retention_days=30))
    assert kept_for
    assert set(kept_for) == {timedelta(days=30)}


async def test_without_a_retention_period_nothing_is_erased(monkeypatch: pytest.MonkeyPatch) -> None:
    assert await _one_round(monkeypatch, IntakeSettings(watchdog_interval_seconds=0.01)) == []


def test_an_empty_retention_setting_means_keep_and_production_needs_data_keys() -> None:
    assert IntakeSettings(retention_days="").retention_days is None  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="INTAKE_DATA_KEYS must be set in production"):
        Intake(IntakeSettings(FRONTDOOR_ENV="production", DATABASE_URL="postgresql://db.example/fd",
                              FRONTDOOR_METRICS_TOKEN="m" * 32, notifications_public_key="x",
                              partner_private_jwk="{}", match_key="a-real-secret"))
