"""Scenarios 2-4 (`make faults`): SIGTERM each service, PostgreSQL down for 15 seconds, and the
broker restarted (Tansu forgets every topic: recovery re-creates them and re-drives the outbox)."""

from __future__ import annotations

import asyncio
import signal
import threading
import time

import pytest

from frontdoor_cli.ops import replay
from frontdoor_shared.kafka import ensure_topics
from tests.faults.ledger import Ledger, settle, wait_drained

pytestmark = [pytest.mark.faults, pytest.mark.slow_faults]


def _streaming(platform, count: int = 30, rate: float = 5.0) -> tuple[Ledger, threading.Thread]:  # type: ignore[no-untyped-def]
    ledger = Ledger()
    feeder = threading.Thread(target=ledger.stream, args=(platform, count, rate, threading.Event()), daemon=True)
    feeder.start()
    return ledger, feeder


@pytest.mark.parametrize("service", ["intake", "triage", "early-years", "notifications"])
def test_sigterm_lets_in_flight_work_finish_or_hands_it_back(platform, service: str) -> None:  # type: ignore[no-untyped-def]
    ledger, feeder = _streaming(platform)
    time.sleep(1.5)
    proc = platform.procs[service]
    proc.send_signal(signal.SIGTERM)
    proc.wait(60)
    stopped_at = time.monotonic()
    platform.procs.pop(service)
    platform.start_service(service)
    platform.wait_healthy(service)
    feeder.join(120)
    outcome = settle(platform, ledger, stopped_at)
    print(outcome.line(f"SIGTERM {service}"), f"exit={proc.returncode}")
    # uvicorn finishes the lifespan (consumers drain, relay flushes), then re-raises the signal
    assert proc.returncode in (0, -signal.SIGTERM)
    log = (platform.logs / f"{service}.log").read_text()
    assert '"service.stopped"' in log, "the service stopped gracefully, not by force"
    assert outcome.lost == 0
    assert outcome.duplicated == 0


def test_postgresql_down_for_15_seconds(platform, test_stack) -> None:  # type: ignore[no-untyped-def]
    if test_stack.pg is None:
        pytest.skip("the test stack does not own the PostgreSQL server")
    ledger, feeder = _streaming(platform, count=40, rate=2.0)
    time.sleep(2)
    test_stack.pg.stop()
    time.sleep(15)
    test_stack.pg.start()
    restarted = time.monotonic()
    feeder.join(120)
    outcome = settle(platform, ledger, restarted)
    print(outcome.line("PostgreSQL down 15 s"), f"refused_during_outage={ledger.refused}")
    assert ledger.refused > 0, "requests during the outage are refused (503), not silently lost"
    assert outcome.lost == 0
    assert outcome.duplicated == 0
    wait_drained(platform)


def test_the_broker_restarted_with_every_topic_wiped(platform, test_stack) -> None:  # type: ignore[no-untyped-def]
    if test_stack.broker is None:
        pytest.skip("the test stack does not own the broker")
    ledger, feeder = _streaming(platform, count=20, rate=4.0)
    time.sleep(2)
    test_stack.broker.stop()
    time.sleep(2)
    test_stack.broker.start()
    asyncio.run(ensure_topics(test_stack.bootstrap, 3))
    counts = asyncio.run(replay(platform.database_url))  # the operator's `frontdoor replay`
    restarted = time.monotonic()
    feeder.join(120)
    outcome = settle(platform, ledger, restarted, timeout=240)
    print(outcome.line("broker restarted"), f"re-driven={sum(counts.values())}")
    assert outcome.lost == 0
    assert outcome.duplicated == 0
