"""Fault scenarios run the four services as processes against the real stack."""

from __future__ import annotations

import pytest

from tests.support import new_platform


@pytest.fixture(scope="module")
def platform(test_stack, tmp_path_factory):  # type: ignore[no-untyped-def]
    p = new_platform(tmp_path_factory.mktemp("faults"), test_stack, FRONTDOOR_GRACEFUL_TIMEOUT="10")
    p.start_services()
    yield p
    p.stop()
