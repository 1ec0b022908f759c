"""The end-to-end measurements: throughput to the final state, latency at a fixed offered load,
and intake's acceptance rate alone.

Completion is judged from the databases, never from the bench's own bookkeeping. A concern is
complete when intake's status history holds BOTH
  (a) its final state for the flow: `routed`, `listed-for-panel`, `more-information-needed` or
      `escalated-to-safeguarding`; and
  (b) a `family-notified` line for the family's message about that final state
      (`family/concern-triaged-routed`, `family/case-listed`,
      `family/concern-triaged-more-information-needed`); for safeguarding, where nothing automatic
      goes to the family, the `panel-notified` line of the safeguarding team's message
      (`staff/safeguarding-escalated`).
(b) is written by intake only after notifications has sent the message and its
`notification-sent` event has travelled back through notifications' outbox, the broker and
intake's inbox: so a complete concern has been through every service and every hop.
"""

from __future__ import annotations

import asyncio
import gc
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import asyncpg

from bench import pgstats
from bench.stack import Run, libpq_url
from bench.workload import FINAL_NOTICES, NOTICE_TEMPLATES, Workload, partner_event
from frontdoor_shared.kafka import make_producer

PARTNER_TOPIC = "partner.concerns.v1"
WATCHED = [*FINAL_NOTICES, "family-notified", "panel-notified"]
MIN_SLACK_IDS = 2_000  # history ids re-read behind the newest seen: a transaction may commit late


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass
class Tracker:
    """Follows intake's status history (incrementally, by id) and knows which concerns are complete."""

    conn: asyncpg.Connection
    max_id: int = 0
    seen: set[int] = field(default_factory=set)
    finals: dict[uuid.UUID, set[str]] = field(default_factory=dict)
    notified: dict[uuid.UUID, set[str]] = field(default_factory=dict)
    complete: dict[uuid.UUID, float] = field(default_factory=dict)  # concern -> wall time first seen complete
    outcome: dict[uuid.UUID, str] = field(default_factory=dict)
    polls: int = 0
    full_polls: int = 0
    _growth: float = 0.0  # history ids per poll (moving average)

    async def events_handled(self) -> int:
        """Events recorded in every service's inbox so far, from PostgreSQL's statistics: the live
        row counts, which only committed inserts raise (a batch retried and rolled back again and
        again is not progress). Constant cost; they lag by seconds (at most about 10 s, when a
        backend goes idle), which is little against `--stall-seconds`. A count(*) of the four
        inboxes every poll cost PostgreSQL time in proportion to N at every poll, so the benchmark
        itself grew its cost per concern with N (seen at N = 50,000)."""
        return int(await self.conn.fetchval(
            "SELECT coalesce(sum(n_live_tup), 0) FROM pg_stat_user_tables WHERE relname = 'inbox'"
            " AND schemaname = ANY($1::text[])", ["intake", "triage", "early_years", "notifications"]))

    async def poll(self, *, full: bool = False) -> int:
        # Re-read ~6 polls' worth (3 s) of ids behind the newest, never fewer than 2,000: a range on
        # the primary key whatever N, yet a transaction committing late (its ids taken before others
        # committed) is still seen, and a quiet spell re-reads everything (`wait_for`). It was 20
        # polls: every history line read 20 times, a tenth of PostgreSQL's time in a run
        # (`--pg-stats`: 0.17 ms per concern) charged to the platform.
        slack = max(MIN_SLACK_IDS, int(6 * self._growth))
        since = 0 if full else max(0, self.max_id - slack)
        before = self.max_id
        self.full_polls += full
        rows = await self.conn.fetch(
            "SELECT id, concern_id, status, detail->>'template' AS template FROM intake.status_history "
            "WHERE id > $1 AND status = ANY($2::text[]) ORDER BY id", since, WATCHED)
        now = time.time()
        self.polls += 1
        for r in rows:
            if r["id"] in self.seen:
                continue
            self.seen.add(r["id"])
            self.max_id = max(self.max_id, r["id"])
            cid = r["concern_id"]
            if r["status"] in ("family-notified", "panel-notified"):
                self.notified.setdefault(cid, set()).add(r["template"])
            else:
                self.finals.setdefault(cid, set()).add(r["status"])
            if cid in self.complete:
                continue
            for status in self.finals.get(cid, ()):
                if any(t in self.notified.get(cid, ()) for t in FINAL_NOTICES[status]):
                    self.complete[cid] = now
                    self.outcome[cid] = status
        self._growth = 0.8 * self._growth + 0.2 * (self.max_id - before)
        return len(self.complete)

    async def wait_for(self, expected: int | Callable[[], int], *, stall_seconds: float, interval: float = 0.5,
                       deadline: float | None = None) -> bool:
        """Poll until `expected` concerns are complete (a callable is asked again each poll: the
        count accepted so far); False if no progress for `stall_seconds` or past `deadline`."""
        target = expected if callable(expected) else (lambda: expected)
        last_progress, last_mark, last_full = time.monotonic(), (-1, -1), time.monotonic()
        while True:
            if deadline is not None and time.monotonic() > deadline:
                await self.poll()
                return len(self.complete) >= target()
            count = await self.poll()
            # progress is a concern completing, or any service handling an event: with a deep
            # backlog the first concern completes late, while every service is busy
            mark = (count, await self.events_handled())
            if mark != last_mark:
                last_mark, last_progress = mark, time.monotonic()
            if count >= target():
                return True
            quiet = time.monotonic() - last_progress
            if quiet > 5 and time.monotonic() - last_full > 10:  # a late commit slipped by: read it all again
                last_full = time.monotonic()
                await self.poll(full=True)
            if quiet > stall_seconds:
                return False
            await asyncio.sleep(interval)


@dataclass
class Accepted:
    api: list[tuple[float, str]] = field(default_factory=list)  # (wall time of the 202, reference)
    partner_acks: list[float] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)
    retried: Counter[str] = field(default_factory=Counter)
    first_error: str | None = None
    sent_seconds: float = 0.0  # until the last request was sent
    answered_seconds: float = 0.0  # until the last answer came


RETRIES = 2  # a transport error is retried with the same Idempotency-Key, as a partner would


def api_session(concurrency: int, timeout: float = 60.0) -> aiohttp.ClientSession:
    """The bench's HTTP client: aiohttp, `concurrency` keep-alive connections.

    Not httpx (the tests' client): the bench client shares the two cores with the platform, and
    httpx spent about 6 ms of CPU per POST here (17% of the machine in the end-to-end run, 44% in
    the intake-alone run), CPU the platform then lacked; aiohttp's C parser costs a fraction."""
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency, keepalive_timeout=60)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=timeout),
                                 skip_auto_headers=("User-Agent",))


async def post_json(client: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str]
                    ) -> tuple[int, bytes]:
    async with client.post(url, data=body, headers=headers) as r:
        return r.status, await r.read()


async def post_all(run: Run, bodies: list[bytes], concurrency: int, out: Accepted,
                   rate: float | None = None) -> float:
    """POST every body (closed loop with `concurrency` in flight, or open loop at `rate`/s).

    Each request carries an Idempotency-Key; a transport error (a keep-alive connection the server
    closed, a reset) is retried with the same key, so a concern is never offered twice."""
    headers = {"Authorization": f"Bearer {run.token}", "Content-Type": "application/json"}
    url = f"{run.intake_url}/api/v1/concerns"
    t0 = time.perf_counter()
    async with api_session(concurrency) as client:

        async def one(body: bytes) -> None:
            key = str(uuid.uuid4())
            for attempt in range(RETRIES + 1):
                try:
                    status, answer = await post_json(client, url, body, {**headers, "Idempotency-Key": key})
                    break
                except (aiohttp.ClientError, TimeoutError) as err:
                    if attempt == RETRIES:
                        out.refused[type(err).__name__] += 1
                        out.first_error = out.first_error or repr(err)
                        return
                    out.retried[type(err).__name__] += 1
            if status in (200, 202):  # 200: a retry found the concern already accepted
                out.api.append((time.time(), json.loads(answer)["reference"]))
            else:
                out.refused[str(status)] += 1
                out.first_error = out.first_error or answer[:500].decode(errors="replace")

        if rate is None:
            queue: asyncio.Queue[bytes] = asyncio.Queue()
            for b in bodies:
                queue.put_nowait(b)

            async def worker() -> None:
                while not queue.empty():
                    await one(queue.get_nowait())

            await asyncio.gather(*(worker() for _ in range(concurrency)))
            out.sent_seconds = time.perf_counter() - t0
        else:
            tasks = []
            for i, body in enumerate(bodies):
                delay = t0 + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(one(body)))
            out.sent_seconds = time.perf_counter() - t0
            await asyncio.gather(*tasks)
    out.answered_seconds = time.perf_counter() - t0
    return out.answered_seconds


async def produce_all(bootstrap: str, events: list[bytes], out: Accepted) -> float:
    """Send the partner events as a partner's system would: a plain producer, acks=all."""
    producer = make_producer(bootstrap, "bench-partner")
    await producer.start()
    try:
        t0 = time.perf_counter()
        futures = []
        for value in events:
            fut = await producer.send(PARTNER_TOPIC, value, key=uuid.uuid4().bytes)
            fut.add_done_callback(lambda f: out.partner_acks.append(time.time()) if not f.exception() else None)
            futures.append(fut)
        await asyncio.gather(*futures)
        return time.perf_counter() - t0
    finally:
        await producer.stop()


async def delivery_check(conn: asyncpg.Connection) -> dict[str, int]:
    """Nothing lost, nothing doubled: unpublished outbox rows, dead letters, duplicate messages."""
    out: dict[str, int] = {}
    for schema in ("intake", "triage", "early_years", "notifications"):
        out[f"{schema}.outbox unpublished"] = await conn.fetchval(
            f"SELECT count(*) FROM {schema}.outbox WHERE published_at IS NULL")
        out[f"{schema}.dead_letter"] = await conn.fetchval(f"SELECT count(*) FROM {schema}.dead_letter")
    out["duplicate family messages"] = await conn.fetchval(
        "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM notifications.message "
        "WHERE audience = 'family' GROUP BY concern_id, template) t WHERE n > 1")
    return {k: int(v) for k, v in out.items()}


async def incomplete(conn: asyncpg.Connection, complete: set[uuid.UUID], show: int = 5) -> dict[str, Any]:
    """Concerns stored but not complete: how many, and what the databases say about a few."""
    ids = [r["id"] for r in await conn.fetch("SELECT id FROM intake.concern")]
    missing = [i for i in ids if i not in complete]
    examples = []
    for cid in missing[:show]:
        history = await conn.fetch(
            "SELECT status, detail->>'template' AS template FROM intake.status_history WHERE concern_id = $1 "
            "ORDER BY id", cid)
        messages = await conn.fetch(
            "SELECT template, status, last_error FROM notifications.message WHERE concern_id = $1 "
            "ORDER BY created_at", cid)
        triage = await conn.fetchrow("SELECT outcome, pathway FROM triage.triage_result WHERE concern_id = $1", cid)
        held = await conn.fetchval("SELECT count(*) FROM notifications.pending_notice WHERE concern_id = $1", cid)
        examples.append({
            "concern_id": str(cid),
            "history": [h["status"] + (f" ({h['template']})" if h["template"] else "") for h in history],
            "messages": [f"{m['template']}: {m['status']}" + (f" ({m['last_error']})" if m["last_error"] else "")
                         for m in messages],
            "triage": dict(triage) if triage else None, "held_notices": int(held)})
    return {"count": len(missing), "examples": examples}


async def outcome_mix(conn: asyncpg.Connection) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT coalesce(outcome, '?') || coalesce(' / ' || pathway, '') AS k, count(*) AS n "
        "FROM triage.triage_result GROUP BY 1 ORDER BY 2 DESC")
    return {r["k"]: int(r["n"]) for r in rows}


async def end_to_end(run: Run, n: int, *, concurrency: int = 32, partner_share: float = 0.5,
                     stall_seconds: float = 120, run_timeout: float = 1800, seed: int = 7,
                     on_offer: Callable[[], None] | None = None, on_done: Callable[[], None] | None = None,
                     log: Callable[[str], None] = print, pg_stats: bool = False) -> dict[str, Any]:
    """N concerns, half as partner events and half through the JSON API, to their final state.

    Timed from the first acceptance (the first 202, or the broker's ack of the first partner event)
    to the poll that saw the last concern complete (polls every 0.5 s). After `run_timeout` the
    run stops waiting and reports what completed by then (`all_completed` false)."""
    workload = Workload(seed=seed)
    n_partner = int(n * partner_share)
    log(f"building {n} concerns ({n_partner} as signed, JWE-encrypted partner events)")
    bodies = [workload.concern() for _ in range(n)]
    events = [partner_event(run.jwk, b) for b in bodies[:n_partner]]
    api_bodies = [json.dumps(b).encode() for b in bodies[n_partner:]]
    sizes = [len(json.dumps(b)) for b in bodies]
    del bodies
    # the client's own heap (its libraries, the concerns built above) out of its collector's full
    # collections while it offers: they took 7% of its CPU, on the cores the platform is measured on
    gc.collect()
    gc.freeze()
    accepted = Accepted()
    conn: asyncpg.Connection | None = None
    try:
        conn = await asyncpg.connect(libpq_url(run.database_url))
        tracker = Tracker(conn)
        log(f"offering {n}: {len(api_bodies)} on the API ({concurrency} in flight), "
            f"{len(events)} on {PARTNER_TOPIC}")
        stats_from = await pgstats.start(conn) if pg_stats else None  # resets counters: before reading them
        work_before = await database_work(conn)
        if on_offer is not None:
            on_offer()
        t_start, deadline = time.time(), time.monotonic() + run_timeout
        produce = asyncio.create_task(produce_all(run.platform.bootstrap or "", events, accepted))
        post = asyncio.create_task(post_all(run, api_bodies, concurrency, accepted))

        def target() -> int:  # all N until everything is offered, then only those accepted
            if post.done() and produce.done():
                return len(accepted.api) + len(accepted.partner_acks)
            return n

        ok = await tracker.wait_for(target, stall_seconds=stall_seconds, deadline=deadline)
        post.cancel()  # if we stopped early (timeout), stop offering too
        produce_s = await produce
        try:
            post_s = await post
        except asyncio.CancelledError:
            post_s = time.time() - t_start
        expected = len(accepted.api) + len(accepted.partner_acks)
        if on_done is not None:
            on_done()
        timed_out = time.monotonic() >= deadline and len(tracker.complete) < expected
        firsts = [t for t, _ in accepted.api[:1]] + sorted(accepted.partner_acks)[:1]
        first_acceptance = min(firsts) if firsts else t_start
        done = len(tracker.complete)
        last_completion = (time.time() if timed_out or not tracker.complete else max(tracker.complete.values()))
        elapsed = last_completion - first_acceptance
        cut = " (stopped at the run timeout)" if timed_out else ""
        log(f"{done} of {expected} complete in {elapsed:.1f} s{cut}")
        await asyncio.sleep(1.0)  # each backend reports its counts within a second of its last transaction
        work = per_concern(work_before, await database_work(conn), done)
        stats = await pgstats.collect(conn, stats_from, done) if pg_stats else None
        intake_count = await conn.fetchval("SELECT count(*) FROM intake.concern")
        stuck = await incomplete(conn, set(tracker.complete))
        checks = await delivery_check(conn)
        mix = await outcome_mix(conn)
        hops = await hop_breakdown(conn)
        finals = Counter(tracker.outcome.values())
        by_ref = {r["reference"]: r["id"] for r in await conn.fetch(
            "SELECT reference, id FROM intake.concern WHERE channel = 'api'")}
        per = [tracker.complete[by_ref[ref]] - t for t, ref in accepted.api
               if ref in by_ref and by_ref[ref] in tracker.complete]
    finally:
        if conn is not None:
            await conn.close()
        gc.unfreeze()  # also when the run failed: the next one starts from a collectable heap
    return {
        "n": n, "offered_api": len(api_bodies), "offered_partner": len(events),
        "accepted_api": len(accepted.api), "acked_partner": len(accepted.partner_acks),
        "refused": dict(accepted.refused), "retried": dict(accepted.retried), "first_refusal": accepted.first_error,
        "concerns_stored": int(intake_count), "completed": done, "all_completed": bool(ok) and done >= expected,
        "timed_out": timed_out, "seconds": round(elapsed, 2),
        "concerns_per_s": round(done / elapsed, 2) if elapsed > 0 else None,
        "api_post_seconds": round(post_s, 2),
        "api_accepted_per_s_under_load": round(len(accepted.api) / post_s, 1) if post_s else None,
        "partner_produce_seconds": round(produce_s, 2),
        "concern_json_bytes": {"min": min(sizes), "mean": round(sum(sizes) / len(sizes)), "max": max(sizes)},
        "final_states": dict(finals), "triage_outcomes": mix, "checks": checks, "hops_ms": hops,
        "incomplete": stuck,
        "api_concern_seconds_to_complete": {"p50": _r(percentile(per, 50)), "p95": _r(percentile(per, 95)),
                                            "max": _r(max(per) if per else None)},
        "tracker_polls": tracker.polls, "tracker_full_polls": tracker.full_polls, "database_work": work,
        **({"postgres_statistics": stats} if stats is not None else {}),
    }


async def database_work(conn: asyncpg.Connection) -> dict[str, Any]:
    """PostgreSQL's own counters for this database: transactions committed, and rows inserted,
    updated and deleted per schema (each service's own)."""
    commits = await conn.fetchval("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
    rows = await conn.fetch("SELECT schemaname, relname, n_tup_ins AS i, n_tup_upd AS u, n_tup_del AS d"
                            " FROM pg_stat_user_tables")
    by_schema: dict[str, tuple[int, int, int]] = {}
    by_table: dict[str, tuple[int, int, int]] = {}
    for r in rows:
        counts = (int(r["i"] or 0), int(r["u"] or 0), int(r["d"] or 0))
        by_table[f'{r["schemaname"]}.{r["relname"]}'] = counts
        i, u, d = by_schema.get(r["schemaname"], (0, 0, 0))
        by_schema[r["schemaname"]] = (i + counts[0], u + counts[1], d + counts[2])
    return {"commits": int(commits or 0), "rows": by_schema, "tables": by_table}


def per_concern(before: dict[str, Any], after: dict[str, Any], done: int) -> dict[str, Any] | None:
    """What the run cost PostgreSQL per completed concern (the bench's own few polls included)."""
    if not done:
        return None
    by_schema = {}
    for schema, (i, u, d) in after["rows"].items():
        i0, u0, d0 = before["rows"].get(schema, (0, 0, 0))
        by_schema[schema] = {"inserted": round((i - i0) / done, 2), "updated": round((u - u0) / done, 2),
                             "deleted": round((d - d0) / done, 2)}
    by_table = {}
    for table, counts in after.get("tables", {}).items():
        was = before.get("tables", {}).get(table, (0, 0, 0))
        writes = sum(counts) - sum(was)
        if writes:
            by_table[table] = round(writes / done, 2)
    return {"commits_per_concern": round((after["commits"] - before["commits"]) / done, 2),
            "row_writes_per_concern": round(sum(sum(v.values()) for v in by_schema.values()), 1),
            "by_schema": by_schema,
            "by_table": dict(sorted(by_table.items(), key=lambda kv: -kv[1]))}


def _r(v: float | None, nd: int = 3) -> float | None:
    return None if v is None else round(v, nd)


async def latency(run: Run, rate: float, seconds: float, *, seed: int = 11, stall_seconds: float = 60,
                  run_timeout: float = 600, log: Callable[[str], None] = print,
                  on_offer: Callable[[], None] | None = None) -> dict[str, Any]:
    """A steady `rate` of concerns/s on the API (open loop) for `seconds`: acceptance to the family's
    message about the final state (notifications.message.sent_at; the same machine's clock). For
    safeguarding, the safeguarding team's message (the family is not messaged automatically)."""
    count = max(1, int(rate * seconds))
    workload = Workload(seed=seed)
    bodies = [json.dumps(workload.concern()).encode() for _ in range(count)]
    accepted = Accepted()
    log(f"offering {rate:g} concerns/s for {seconds:g} s ({count} concerns) on the API")
    deadline = time.monotonic() + run_timeout
    conn = await asyncpg.connect(libpq_url(run.database_url))
    try:
        work_before = await database_work(conn)
        if on_offer is not None:
            on_offer()
        offered_s = await post_all(run, bodies, concurrency=256, out=accepted, rate=rate)
        tracker = Tracker(conn)
        ok = await tracker.wait_for(len(accepted.api), stall_seconds=stall_seconds, deadline=deadline)
        log(f"{len(tracker.complete)} of {len(accepted.api)} complete")
        work = per_concern(work_before, await database_work(conn), len(tracker.complete))
        hops = await hop_breakdown(conn)
        rows = await conn.fetch(
            "SELECT reference, template, extract(epoch from sent_at) AS sent FROM notifications.message "
            "WHERE sent_at IS NOT NULL AND template = ANY($2::text[]) AND reference = ANY($1::text[])",
            [ref for _, ref in accepted.api], [*NOTICE_TEMPLATES, "family/concern-submitted"])
        checks = await delivery_check(conn)
    finally:
        await conn.close()
    final_sent = {r["reference"]: float(r["sent"]) for r in rows if r["template"] in NOTICE_TEMPLATES}
    first_sent = {r["reference"]: float(r["sent"]) for r in rows if r["template"] == "family/concern-submitted"}
    now = time.time()
    lat = [(final_sent[ref] - t) * 1000 for t, ref in accepted.api if ref in final_sent]
    # a concern whose family has not heard yet counts with the time it has waited so far: the
    # percentiles are then lower bounds, never flattered by leaving the slowest out
    waiting = [(now - t) * 1000 for t, ref in accepted.api if ref not in final_sent]
    first = [(first_sent[ref] - t) * 1000 for t, ref in accepted.api if ref in first_sent]
    lat_all = lat + waiting
    return {
        "rate_per_s": rate, "seconds": seconds, "offered": count,
        "sent_seconds": round(accepted.sent_seconds, 2), "answered_seconds": round(offered_s, 2),
        "offered_rate_per_s": round(count / accepted.sent_seconds, 1) if accepted.sent_seconds else None,
        "accepted": len(accepted.api), "refused": dict(accepted.refused), "retried": dict(accepted.retried),
        "measured": len(lat),
        "still_waiting": len(waiting), "lower_bound": bool(waiting),
        "all_completed": ok, "checks": checks,
        "final_message_ms": {"p50": _r(percentile(lat_all, 50), 1), "p95": _r(percentile(lat_all, 95), 1),
                             "p99": _r(percentile(lat_all, 99), 1), "max": _r(max(lat_all) if lat_all else None, 1)},
        "first_message_ms": {"p50": _r(percentile(first, 50), 1), "p95": _r(percentile(first, 95), 1),
                             "p99": _r(percentile(first, 99), 1)},
        "database_work": work, "hops_ms": hops,
        "samples_ms": [round(v, 1) for v in lat],
    }


async def intake_alone(run: Run, seconds: float, concurrency: int = 32, seed: int = 13) -> dict[str, Any]:
    """Closed loop, `concurrency` in flight, for `seconds`: 202s per second on POST /api/v1/concerns."""
    workload = Workload(seed=seed)
    accepted = Accepted()
    headers = {"Authorization": f"Bearer {run.token}", "Content-Type": "application/json"}
    url = f"{run.intake_url}/api/v1/concerns"
    stop_at = time.perf_counter() + seconds
    latencies: list[float] = []
    async with api_session(concurrency) as client:

        async def worker() -> None:
            while time.perf_counter() < stop_at:
                body = json.dumps(workload.concern()).encode()
                t = time.perf_counter()
                try:
                    status, _ = await post_json(client, url, body, {**headers, "Idempotency-Key": str(uuid.uuid4())})
                except (aiohttp.ClientError, TimeoutError) as err:
                    accepted.refused[type(err).__name__] += 1
                    continue
                if status == 202:
                    accepted.api.append((time.time(), ""))
                    latencies.append((time.perf_counter() - t) * 1000)
                else:
                    accepted.refused[str(status)] += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
    return {"seconds": round(elapsed, 2), "concurrency": concurrency, "accepted": len(accepted.api),
            "refused": dict(accepted.refused), "accepted_per_s": round(len(accepted.api) / elapsed, 1),
            "response_ms": {"p50": _r(percentile(latencies, 50), 1), "p95": _r(percentile(latencies, 95), 1),
                            "p99": _r(percentile(latencies, 99), 1)}}


# Which services consume each internal topic (as tests/faults/ledger.py lists them).
CONSUMERS = {
    "intake.concern-submitted.v1": ("triage", "notifications"),
    "triage.concern-triaged.v1": ("early_years", "notifications", "intake"),
    "early-years.case-listed.v1": ("notifications", "intake"),
    "notifications.notification-sent.v2": ("intake",),
}


async def hop_breakdown(conn: asyncpg.Connection) -> dict[str, Any]:
    """Where a concern waits, per hop, from the delivery tables' own timestamps (ms, p50/p95):
    `relay`: outbox row written -> published (acks=all); `deliver`: published -> the consumer's
    inbox mark (broker, consumer poll, handler start); `send`: a message recorded -> sent."""
    out: dict[str, Any] = {}
    schema_of = {"intake": "intake", "triage": "triage", "early-years": "early_years",
                 "notifications": "notifications"}
    for topic, consumers in CONSUMERS.items():
        producer = schema_of[topic.split(".")[0]]
        row = await conn.fetchrow(
            f"SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d) AS p50, "
            f"percentile_cont(0.95) WITHIN GROUP (ORDER BY d) AS p95, count(*) AS n FROM "
            f"(SELECT extract(epoch FROM published_at - created_at) * 1000 AS d FROM {producer}.outbox "
            f"WHERE topic = $1 AND published_at IS NOT NULL) t", topic)
        out[f"relay {topic}"] = _hop(row)
        for consumer in consumers:
            row = await conn.fetchrow(
                f"SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d) AS p50, "
                f"percentile_cont(0.95) WITHIN GROUP (ORDER BY d) AS p95, count(*) AS n FROM "
                f"(SELECT extract(epoch FROM i.received_at - o.published_at) * 1000 AS d FROM {producer}.outbox o "
                f"JOIN {consumer}.inbox i ON i.event_id = o.event_id WHERE o.topic = $1) t", topic)
            out[f"deliver {topic} -> {consumer}"] = _hop(row)
    row = await conn.fetchrow(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d) AS p50, "
        "percentile_cont(0.95) WITHIN GROUP (ORDER BY d) AS p95, count(*) AS n FROM "
        "(SELECT extract(epoch FROM sent_at - created_at) * 1000 AS d FROM notifications.message "
        "WHERE sent_at IS NOT NULL) t")
    out["send notifications.message (recorded -> sent)"] = _hop(row)
    return out


def _hop(row: Any) -> dict[str, Any]:
    return {"p50_ms": _r(row["p50"], 1), "p95_ms": _r(row["p95"], 1), "n": int(row["n"])}
