"""Scenario 1: SIGKILL a service mid-stream, restart it: nothing accepted is lost or doubled."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from tests.faults.ledger import Ledger, settle

pytestmark = pytest.mark.faults


@pytest.mark.parametrize("service", [
    "notifications",
    "triage",
    pytest.param("intake", marks=pytest.mark.slow_faults),
    pytest.param("early-years", marks=pytest.mark.slow_faults),
])
def test_a_service_killed_mid_flow_loses_nothing_and_sends_nothing_twice(platform, service: str) -> None:  # type: ignore[no-untyped-def]
    ledger, stop = Ledger(), threading.Event()
    feeder = threading.Thread(target=ledger.stream, args=(platform, 30, 10.0, stop), daemon=True)
    feeder.start()
    time.sleep(1.0)
    platform.procs[service].send_signal(signal.SIGKILL)
    platform.procs[service].wait(10)
    killed_at = time.monotonic()
    time.sleep(1.0)
    platform.start_service(service)
    platform.wait_healthy(service)
    feeder.join(60)
    outcome = settle(platform, ledger, killed_at)
    print(outcome.line(f"SIGKILL {service}"))
    assert outcome.accepted > 0
    assert outcome.lost == 0
    assert outcome.duplicated == 0
