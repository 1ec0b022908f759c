"""The embedded PostgreSQL (`make run`, the tests, the benchmark) is tuned for data in memory or on
SSD, as compose is (tests/contracts/test_compose.py)."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

pytestmark = pytest.mark.integration


async def test_the_embedded_server_costs_a_random_read_as_on_ssd(test_stack: Any) -> None:
    if test_stack.pg is None:
        pytest.skip("the test stack uses a server it did not start (DATABASE_URL or containers)")
    conn = await asyncpg.connect(test_stack.database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        assert await conn.fetchval("SHOW random_page_cost") == "1.1"
    finally:
        await conn.close()
