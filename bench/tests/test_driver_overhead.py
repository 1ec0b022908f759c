"""The driver-overhead micro-benchmark measures both ways on the real PostgreSQL and leaves
nothing behind (its figures are in bench/README.md, session 12)."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from bench.driver_overhead import TABLE, measure
from frontdoor_cli.testing import fresh_database
from frontdoor_shared.db import asyncpg_url

pytestmark = pytest.mark.integration


async def test_it_measures_both_ways_and_drops_its_table(test_stack) -> None:  # type: ignore[no-untyped-def]
    url = await asyncio.to_thread(fresh_database, test_stack)
    best = await measure(url, n=20, rounds=1)
    assert best["sqlalchemy_us"] > 0
    assert best["driver_us"] > 0
    engine = create_async_engine(asyncpg_url(url))
    async with engine.connect() as conn:
        left = await conn.scalar(sa.text("SELECT to_regclass(:name)"), {"name": TABLE})
    await engine.dispose()
    assert left is None
