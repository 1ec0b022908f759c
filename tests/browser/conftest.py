"""The browser tier drives its own running platform (the four services as processes), stopped
before the next tier starts one: two platforms must never share the broker's consumer groups."""

from __future__ import annotations

import pytest

from tests.support import new_platform


@pytest.fixture(scope="package")
def platform(test_stack, tmp_path_factory):  # type: ignore[no-untyped-def]
    p = new_platform(tmp_path_factory.mktemp("browser"), test_stack)
    p.start_services()
    yield p
    p.stop()
