"""The e2e tier shares one running platform (the four services as processes) per session."""

from __future__ import annotations

import pytest

from frontdoor_cli.testing import migrate_all
from tests.support import new_platform


@pytest.fixture(scope="session")
def platform(test_stack, tmp_path_factory):  # type: ignore[no-untyped-def]
    migrate_all(test_stack.database_url)
    p = new_platform(tmp_path_factory.mktemp("e2e"), test_stack)
    p.start_services()
    yield p
    p.stop()
