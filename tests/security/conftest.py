"""The security tier shares one running platform (the four services as processes), like the e2e
tier, and stops it before the next tier starts its own: two platforms must never share the
broker's consumer groups at once."""

from __future__ import annotations

import pytest

from tests.support import new_platform


@pytest.fixture(scope="package")
def platform(test_stack, tmp_path_factory):  # type: ignore[no-untyped-def]
    p = new_platform(tmp_path_factory.mktemp("security"), test_stack)
    p.start_services()
    yield p
    p.stop()
