"""Scenarios 6 and 7: every event delivered again (a full replay), and the relay killed between the
broker's acknowledgement and marking the rows published. Nothing is lost; nothing acts twice."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from frontdoor_cli.ops import replay
from tests.faults.ledger import Ledger, delivery_gaps, settle, wait_drained

pytestmark = pytest.mark.faults


def test_a_full_replay_of_every_topic_sends_nothing_new(platform) -> None:  # type: ignore[no-untyped-def]
    ledger = Ledger()
    ledger.stream(platform, 10, 20.0, threading.Event())
    first = settle(platform, ledger, time.monotonic())
    assert first.lost == 0
    wait_drained(platform)
    started = time.monotonic()
    counts = asyncio.run(replay(platform.database_url))
    assert sum(counts.values()) > 0, "the outbox keeps published events for replay"
    wait_drained(platform)
    time.sleep(2)  # let redelivered events reach the handlers (they must all be no-ops)
    outcome = settle(platform, ledger, started)
    print(outcome.line("full replay"), f"re-driven={sum(counts.values())}")
    assert outcome.lost == 0
    assert outcome.duplicated == 0


def test_the_relay_killed_after_the_broker_acked_loses_nothing_and_doubles_nothing(platform) -> None:  # type: ignore[no-untyped-def]
    platform.stop_service("intake")
    platform.start_service("intake", FRONTDOOR_FAULT_RELAY_CRASH_AFTER_SEND="true")
    platform.wait_healthy("intake")
    ledger = Ledger()
    ledger.stream(platform, 1, 1.0, threading.Event())  # accepted, then the relay dies after sending
    proc = platform.procs["intake"]
    proc.wait(30)
    assert proc.returncode == 70, "the fault was injected"
    crashed_at = time.monotonic()
    platform.start_service("intake")
    platform.wait_healthy("intake")
    ledger.stream(platform, 5, 10.0, threading.Event())
    outcome = settle(platform, ledger, crashed_at)
    print(outcome.line("relay killed after ack"))
    assert outcome.accepted >= 1
    assert outcome.lost == 0
    assert outcome.duplicated == 0
    wait_drained(platform)
    assert delivery_gaps(platform.database_url) == {}
