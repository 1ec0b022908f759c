"""Client CPU of one delivery statement through SQLAlchemy against asyncpg directly.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test python -m bench.driver_overhead

The inbox claim every consumed batch runs (one event), 2,000 times each way on one connection in
one transaction, on uvloop as the services run; prints microseconds of this process's CPU per
statement. The reason the hot delivery statements go to the driver (`db.driver_connection`).
Uses a scratch table `bench_driver_inbox` in the database named, dropped at the end.
"""

from __future__ import annotations

import os
import time
import uuid

import sqlalchemy as sa
import uvloop

from frontdoor_shared.db import asyncpg_url, driver_connection, make_engine, sql

TABLE = "bench_driver_inbox"
THROUGH_SQLALCHEMY = (f"INSERT INTO {TABLE} (event_id, topic, event_type) SELECT * FROM unnest(CAST(:ids AS text[]),"
                      " CAST(:topics AS text[]), CAST(:types AS text[])) ON CONFLICT (event_id) DO NOTHING"
                      " RETURNING event_id")
ON_THE_DRIVER = (f"INSERT INTO {TABLE} (event_id, topic, event_type) SELECT * FROM unnest($1::text[], $2::text[],"
                 " $3::text[]) ON CONFLICT (event_id) DO NOTHING RETURNING event_id")


async def measure(url: str, n: int = 2000, rounds: int = 3) -> dict[str, float]:
    engine = make_engine(asyncpg_url(url), pool_size=2)
    async with engine.begin() as conn:
        await conn.execute(sa.text(f"DROP TABLE IF EXISTS {TABLE}"))
        await conn.execute(sa.text(f"CREATE TABLE {TABLE} (event_id text PRIMARY KEY, topic text, event_type text)"))
    best = {"sqlalchemy_us": float("inf"), "driver_us": float("inf")}
    try:
        for _ in range(rounds):
            async with engine.connect() as conn, conn.begin():
                start = time.process_time()
                for _ in range(n):
                    rows = await conn.execute(sql(THROUGH_SQLALCHEMY), {"ids": [str(uuid.uuid4())], "topics": ["t"],
                                                                         "types": ["y"]})
                    {row[0] for row in rows}
                best["sqlalchemy_us"] = min(best["sqlalchemy_us"], (time.process_time() - start) / n * 1e6)
                driver = await driver_connection(conn)
                start = time.process_time()
                for _ in range(n):
                    found = await driver.fetch(ON_THE_DRIVER, [str(uuid.uuid4())], ["t"], ["y"])
                    {row[0] for row in found}
                best["driver_us"] = min(best["driver_us"], (time.process_time() - start) / n * 1e6)
    finally:
        async with engine.begin() as conn:
            await conn.execute(sa.text(f"DROP TABLE IF EXISTS {TABLE}"))
        await engine.dispose()
    return best


def main() -> None:
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("set DATABASE_URL to a PostgreSQL database this may create a scratch table in")
    best = uvloop.run(measure(url))
    print(f"one-event inbox claim, client CPU per statement (best of 3 x 2,000): "
          f"SQLAlchemy {best['sqlalchemy_us']:.0f} us, asyncpg directly {best['driver_us']:.0f} us")


if __name__ == "__main__":
    main()
