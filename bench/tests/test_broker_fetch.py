"""The fetch-wait micro-benchmark measures the broker's CPU and a hop's delivery on a real Tansu of
its own, and stops it (its figures are in bench/README.md, session 15)."""

from __future__ import annotations

import pytest

from bench import broker_fetch
from frontdoor_cli.stack import TansuBroker

pytestmark = pytest.mark.integration


async def test_it_measures_the_brokers_cpu_and_a_hops_delivery(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(broker_fetch, "SETTLE_SECONDS", 1.0)
    started: list[TansuBroker] = []
    start = TansuBroker.start

    def noting(self: TansuBroker) -> None:
        started.append(self)
        start(self)

    monkeypatch.setattr(TansuBroker, "start", noting)
    (result,) = await broker_fetch.measure([50], consumers=2, topics=2, partitions=1, seconds=1.0, events=3)
    assert result["fetch_max_wait_ms"] == 50
    assert result["broker_cores_idle"] > 0  # two consumers polling 20 times a second cost Tansu CPU
    assert 0 < result["delivery_p50_ms"] <= result["delivery_max_ms"] < 5000
    assert [b.process for b in started] == [None]  # stopped


async def test_an_event_never_delivered_fails_the_run_rather_than_waiting_forever(
        monkeypatch: pytest.MonkeyPatch) -> None:
    class Silent:
        async def getmany(self, timeout_ms: int) -> dict[str, list[bytes]]:
            return {}

    with pytest.raises(TimeoutError, match="nothing delivered within 0 s"):
        await broker_fetch._read_one(Silent(), within=0)
