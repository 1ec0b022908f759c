"""Fault scenarios run the four services as processes against the real stack."""

from __future__ import annotations

import pytest

from tests.support import new_platform


@pytest.fixture(scope="module")
def platform(test_stack, tmp_path_factory):  # type: ignore[no-untyped-def]
    # a killed sender's messages (taken, or handed over and not yet recorded) come back when their
    # lease runs out: 20 s here rather than 120, so recovery fits well within each scenario's wait
    p = new_platform(tmp_path_factory.mktemp("faults"), test_stack, FRONTDOOR_GRACEFUL_TIMEOUT="10",
                     NOTIFICATIONS_SEND_LEASE_SECONDS="20")
    p.start_services()
    yield p
    p.stop()
