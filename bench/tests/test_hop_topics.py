"""The hops the benchmark reports and the fault tests' ledger checks are the topics the platform
publishes now: a retired contract's topic (no longer written) would report no hop at all."""

from __future__ import annotations

import re

import pytest

from bench.flow import CONSUMERS as BENCH_CONSUMERS
from frontdoor_shared.contracts import ALL_CONTRACTS
from tests.faults.ledger import CONSUMERS as LEDGER_CONSUMERS


def _published_now() -> set[str]:
    """Each event's topic at its newest version (`<producer>.<event>.v<N>`)."""
    newest: dict[str, tuple[int, str]] = {}
    for contract in ALL_CONTRACTS:
        event = re.sub(r"\.v\d+$", "", contract.TOPIC)
        if event not in newest or newest[event][0] < contract.VERSION:
            newest[event] = (contract.VERSION, contract.TOPIC)
    return {topic for _, topic in newest.values()}


@pytest.mark.parametrize("consumers", [BENCH_CONSUMERS, LEDGER_CONSUMERS], ids=["bench", "fault ledger"])
def test_every_hop_is_on_a_topic_published_now(consumers: dict[str, tuple[str, ...]]) -> None:
    assert set(consumers) <= _published_now()
    assert "notifications.notification-sent.v2" in consumers


def test_a_retired_version_is_not_published_now() -> None:
    assert "notifications.notification-sent.v1" not in _published_now()
    assert "early-years.panel-decision.v2" in _published_now()
