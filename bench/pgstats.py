"""`--pg-stats`: where PostgreSQL's time and write-ahead log go, per concern.

On the embedded stack the server is started with `pg_stat_statements` preloaded and the last 1 GB
of WAL kept; each end-to-end run then resets the counters as the load starts and reads, when every
concern is done: the statements that took the most execution time, and the WAL written (bytes,
records, full-page images), by record type and by relation (`pg_walinspect`, over the run's last
256 MB of WAL, a sample of the steady state). Off by default: the extension costs a little CPU on
every statement, which a headline figure should not carry.

PostgreSQL 18 groups statements on same-named tables of different schemas as one (its query
fingerprint uses names, not table oids), so `INSERT INTO triage.outbox ...` may stand for the four
services' outbox inserts together.
"""

from __future__ import annotations

from typing import Any

import asyncpg

SERVER_OPTIONS = ("-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=top"
                  " -c wal_keep_size=1GB")
WAL_WINDOW_BYTES = 256 * 2**20


async def start(conn: asyncpg.Connection) -> int | None:
    """Reset the counters; the WAL position to read from later (None: the extension is missing,
    as on a server named by DATABASE_URL that does not preload it)."""
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_walinspect")
        await conn.execute("SELECT pg_stat_statements_reset()")
    except asyncpg.PostgresError:
        return None
    await conn.execute("SELECT pg_stat_reset_shared('wal')")
    await conn.execute("SELECT pg_stat_reset()")  # this database's table counters: autovacuum's work
    return int(await conn.fetchval("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"))


# PostgreSQL's own upkeep of the tables during the run (its workers' time, wall clock, in ms):
# updates leave dead row versions that autovacuum must clear, and it counts in PostgreSQL's CPU
_UPKEEP = ("SELECT coalesce(sum(total_autovacuum_time), 0) AS vacuum_ms, coalesce(sum(total_autoanalyze_time), 0)"
           " AS analyze_ms, coalesce(sum(autovacuum_count), 0) AS vacuums, coalesce(sum(autoanalyze_count), 0)"
           " AS analyzes FROM pg_stat_user_tables")


def _r(v: Any, nd: int = 1) -> float:
    return round(float(v or 0), nd)


async def collect(conn: asyncpg.Connection, start_lsn: int | None, done: int) -> dict[str, Any]:
    if start_lsn is None:
        return {"skipped": "pg_stat_statements is not preloaded on this server (embedded stack only)"}
    per = max(done, 1)
    rows = await conn.fetch(
        "SELECT calls, total_exec_time AS ms, rows, regexp_replace(query, '\\s+', ' ', 'g') AS query"
        " FROM pg_stat_statements WHERE query !~* '^(BEGIN|COMMIT|ROLLBACK)' ORDER BY total_exec_time DESC")
    total_ms = sum(float(r["ms"]) for r in rows) or 1.0
    statements = [{"query": r["query"][:160], "calls": r["calls"], "rows": r["rows"],
                   "ms_total": _r(r["ms"]), "share": _r(float(r["ms"]) / total_ms, 3),
                   "us_per_call": _r(float(r["ms"]) * 1000 / max(r["calls"], 1)),
                   "calls_per_concern": _r(r["calls"] / per, 2), "rows_per_concern": _r(r["rows"] / per, 2),
                   "us_per_row": _r(float(r["ms"]) * 1000 / r["rows"]) if r["rows"] else None} for r in rows[:12]]
    await conn.execute("SELECT pg_stat_force_next_flush()")  # this backend's own counts; others flush within 1 s
    wal = await conn.fetchrow("SELECT wal_records, wal_fpi FROM pg_stat_wal")
    end = int(await conn.fetchval("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"))
    upkeep = await conn.fetchrow(_UPKEEP)
    out: dict[str, Any] = {
        "concerns": done, "statements_exec_ms_per_concern": _r(total_ms / per, 3), "top_statements": statements,
        "autovacuum": {"runs": int(upkeep["vacuums"]), "analyzes": int(upkeep["analyzes"]),
                       "ms_per_concern": _r((float(upkeep["vacuum_ms"]) + float(upkeep["analyze_ms"])) / per, 3)},
        # the bytes from the WAL position itself (exact); records and full-page images from the counters
        "wal_per_concern": {"kb": _r((end - start_lsn) / 1024 / per), "records": _r(wal["wal_records"] / per),
                            "full_page_images": _r(wal["wal_fpi"] / per, 2)}}
    window_start = max(start_lsn, end - WAL_WINDOW_BYTES)
    share = (end - window_start) / max(end - start_lsn, 1)  # the window's part of the run's WAL
    span = "'0/0'::pg_lsn + $1::numeric, '0/0'::pg_lsn + $2::numeric"
    try:
        types = await conn.fetch(
            "SELECT \"resource_manager/record_type\" AS t, count, combined_size"
            f" FROM pg_get_wal_stats({span}, true) WHERE count > 0 ORDER BY combined_size DESC LIMIT 8",
            window_start, end)
        rels = await conn.fetch(
            "SELECT coalesce(n.nspname || '.' || c.relname, 'relfilenode ' || b.relfilenode) AS rel,"
            " count(*) AS blocks, sum(b.block_data_length + b.block_fpi_length) AS bytes"
            f" FROM pg_get_wal_block_info({span}) b"
            " LEFT JOIN pg_class c ON c.relfilenode = b.relfilenode LEFT JOIN pg_namespace n ON n.oid = c.relnamespace"
            " GROUP BY 1 ORDER BY 3 DESC LIMIT 10", window_start, end)
    except asyncpg.PostgresError as err:  # WAL already recycled: keep what pg_stat_wal said
        out["wal_detail_skipped"] = f"{type(err).__name__}: {str(err)[:200]}"
        return out
    scale = per * share  # concerns' worth of WAL in the window
    out["wal_window_share"] = _r(share, 3)
    out["wal_by_record_type"] = [{"type": r["t"], "per_concern": _r(r["count"] / scale),
                                  "kb_per_concern": _r(float(r["combined_size"]) / 1024 / scale, 2)} for r in types]
    out["wal_by_relation"] = [{"relation": r["rel"], "blocks_per_concern": _r(r["blocks"] / scale),
                               "kb_per_concern": _r(float(r["bytes"] or 0) / 1024 / scale, 2)} for r in rels]
    return out


def notes(stats: dict[str, Any], n: int) -> list[str]:
    """The report's lines for one run's statistics."""
    if not stats or stats.get("skipped"):
        return [f"PostgreSQL statistics at N = {n:,} skipped: {stats.get('skipped')}"] if stats else []
    top = "; ".join(f"{s['query'][:60]}... {s['share']:.0%} ({s['rows_per_concern']:g} rows per concern"
                    + (f", {s['us_per_row']:,.0f} us each" if s.get("us_per_row") else "") + ")"
                    for s in stats["top_statements"][:5])
    upkeep = stats.get("autovacuum") or {}
    lines = [f"PostgreSQL at N = {n:,} (pg_stat_statements): {stats['statements_exec_ms_per_concern']:g} ms of "
             f"statement execution per concern, and {upkeep.get('ms_per_concern', 0):g} ms of autovacuum and "
             f"autoanalyze ({upkeep.get('runs', 0)} and {upkeep.get('analyzes', 0)} runs); the most: {top}."]
    wal = stats["wal_per_concern"]
    line = (f"Write-ahead log at N = {n:,}: {wal['kb']:,.1f} KB in {wal['records']:,.0f} records per concern "
            f"({wal['full_page_images']:g} full-page images)")
    if stats.get("wal_by_record_type"):
        line += "; by record: " + ", ".join(f"{t['type']} {t['per_concern']:,.0f}"
                                            for t in stats["wal_by_record_type"][:5])
        line += "; by relation (KB per concern): " + ", ".join(
            f"{r['relation']} {r['kb_per_concern']:,.1f}" for r in stats["wal_by_relation"][:6])
    lines.append(line + ".")
    return lines
