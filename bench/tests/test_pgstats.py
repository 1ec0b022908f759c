"""`--pg-stats` against a real PostgreSQL: the embedded server started with the bench's options,
statements and WAL attributed to what wrote them."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bench import pgstats
from frontdoor_cli.stack import EmbeddedPostgres, free_port

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    home = Path(tempfile.mkdtemp(prefix="frontdoor-pgstats-"))
    pg = EmbeddedPostgres(home / "pg", port=free_port(), database="postgres", options=pgstats.SERVER_OPTIONS)
    pg.start()
    try:
        yield pg.url
    finally:
        pg.stop()


async def test_statements_and_wal_are_attributed_per_concern(server: str) -> None:
    conn = await asyncpg.connect(server)
    try:
        await conn.execute("DROP TABLE IF EXISTS public.probe;"
                           " CREATE TABLE public.probe (id int PRIMARY KEY, body text)")
        start = await pgstats.start(conn)
        assert start is not None
        for i in range(200):
            await conn.execute("INSERT INTO public.probe VALUES ($1, repeat('x', 500))", i)
        stats = await pgstats.collect(conn, start, done=100)
    finally:
        await conn.close()
    insert = next(s for s in stats["top_statements"] if s["query"].startswith("INSERT INTO public.probe"))
    assert insert["calls"] == 200
    assert insert["calls_per_concern"] == 2.0
    assert insert["rows_per_concern"] == 2.0
    # 200 rows of ~500 bytes for 100 concerns: at least 1 KB of WAL each, most of it the probe table's
    assert stats["wal_per_concern"]["kb"] >= 1.0
    by_rel = {r["relation"]: r for r in stats["wal_by_relation"]}
    assert by_rel["public.probe"]["kb_per_concern"] >= 1.0
    assert "public.probe_pkey" in by_rel
    # two heap inserts per concern (a page's first is logged as Heap/INSERT+INIT)
    assert sum(t["per_concern"] for t in stats["wal_by_record_type"] if t["type"].startswith("Heap/INSERT")) == 2.0
    lines = pgstats.notes(stats, 100)
    assert lines[0].startswith("PostgreSQL at N = 100")
    assert f"{stats['autovacuum']['ms_per_concern']:g} ms of autovacuum" in lines[0]
    assert "public.probe" in lines[1]


async def test_a_server_without_the_extension_is_reported_not_failed(test_stack: Any) -> None:
    # the tests' own server, as one named by DATABASE_URL, does not preload pg_stat_statements
    conn = await asyncpg.connect(test_stack.database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        if "pg_stat_statements" in await conn.fetchval("SELECT current_setting('shared_preload_libraries')"):
            pytest.skip("this server preloads pg_stat_statements")
        start = await pgstats.start(conn)
        stats = await pgstats.collect(conn, start, done=10)
    finally:
        await conn.close()
    assert start is None
    assert "not preloaded" in stats["skipped"]
    assert pgstats.notes(stats, 10) == [f"PostgreSQL statistics at N = 10 skipped: {stats['skipped']}"]
