"""`python -m bench` (`make bench`): the Front Door benchmark. See bench/README.md."""

from __future__ import annotations

import argparse
import contextlib
import os
import platform as py_platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import uvloop
from rich.console import Console

from bench import baselines, flow, gcstats, pgstats, profile, report
from bench.sampler import Sampler
from bench.stack import BenchStack, Run
from frontdoor_cli.platform import Platform

console = Console(width=max(Console().width, 150))


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--n", type=int, default=20_000, help="concerns in the headline end-to-end run")
    p.add_argument("--scale", default="5000,20000,50000", help="comma list of N for the scale runs")
    p.add_argument("--latency-rate", type=float, default=50.0, help="offered concerns/s for the latency run")
    p.add_argument("--latency-seconds", type=float, default=60.0, help="how long the latency run offers load")
    p.add_argument("--latency-repeats", type=int, default=3,
                   help="latency runs, each on a fresh stack; the worst is the headline")
    p.add_argument("--intake-seconds", type=float, default=10.0, help="how long the intake-alone run lasts")
    p.add_argument("--concurrency", type=int, default=32, help="API requests in flight")
    p.add_argument("--kafka-messages", type=int, default=20_000, help="messages in the broker baseline")
    p.add_argument("--pg-seconds", type=float, default=3.0, help="seconds per PostgreSQL baseline")
    p.add_argument("--run-timeout", type=float, default=1800.0,
                   help="stop waiting for an end-to-end run after this many seconds and report what finished")
    p.add_argument("--stall-seconds", type=float, default=120.0,
                   help="stop waiting when no concern has completed for this long")
    p.add_argument("--profile-seconds", type=float, default=30.0,
                   help=("py-spy sampling of each service during one scale run (the smallest N other than --n) "
                         "and one extra latency run, neither of them a headline (0: off)"))
    p.add_argument("--gc-probe", action="store_true",
                   help=("services count the CPU spent in Python's garbage collector (bench/gcprobe, loaded "
                         "as sitecustomize); reported per end-to-end run and service; off by default"))
    p.add_argument("--pg-stats", action="store_true",
                   help=("embedded stack: preload pg_stat_statements and report, per end-to-end run, the "
                         "statements that took PostgreSQL's time and the WAL per concern (bench/pgstats.py); "
                         "off by default, since it costs a little on every statement"))
    p.add_argument("--idle-seconds", type=float, default=5.0,
                   help="before each run, measure the idle stack's CPU (pollers) for this long")
    p.add_argument("--out", default="bench/results", help="where the JSON and PNG go")
    p.add_argument("--quick", action="store_true",
                   help="a short smoke run: n=1000, scale 500,1000, latency 20/s for 10 s, short caps")
    args = p.parse_args(argv)
    if args.quick:
        args.n, args.scale = 1000, "500,1000"
        args.latency_rate, args.latency_seconds, args.latency_repeats = 20.0, 10.0, 1
        args.intake_seconds, args.kafka_messages, args.pg_seconds, args.idle_seconds = 5.0, 5000, 2.0, 2.0
        args.run_timeout, args.stall_seconds, args.profile_seconds = 30.0, 30.0, 10.0
    args.scale_ns = sorted({int(x) for x in args.scale.split(",") if x.strip()} | {args.n})
    return args


def log(msg: str) -> None:
    console.print(f"[dim]{time.strftime('%H:%M:%S')}[/] {msg}")


def _others(stack: BenchStack) -> dict[str, psutil.Process | None]:
    out: dict[str, psutil.Process | None] = {}
    if stack.pg is not None:
        with contextlib.suppress(OSError, ValueError, psutil.Error):
            pid = int((stack.pg.data_dir / "postmaster.pid").read_text().split()[0])
            out["postgres"] = psutil.Process(pid)
    if stack.broker is not None and stack.broker.process is not None:
        with contextlib.suppress(psutil.Error):
            out["broker"] = psutil.Process(stack.broker.process.pid)
    return out


def _baselines(stack: BenchStack, args: argparse.Namespace) -> dict[str, Any]:
    log("baselines: broker round trip and PostgreSQL commits (services not running)")
    _, url = stack.fresh_database("baseline", empty=True)
    out = {"kafka": uvloop.run(baselines.kafka_round_trip(stack.bootstrap, args.kafka_messages))}
    out["pg_1"] = uvloop.run(baselines.pg_commits(url, args.pg_seconds, writers=1))
    out["pg_8"] = uvloop.run(baselines.pg_commits(url, args.pg_seconds, writers=8))
    log(f"  broker {out['kafka']['round_trip_msgs_per_s']:,.0f} msg/s round trip; PostgreSQL "
        f"{out['pg_1']['commits_per_s']:,.0f} commits/s (1 conn), {out['pg_8']['commits_per_s']:,.0f} (8 conns)")
    return out


def _profiled_n(args: argparse.Namespace) -> int:
    """The N whose run py-spy samples: a scale run other than the headline when there is one, since
    sampling four processes costs CPU (about 6% of this machine) that the measured run then lacks."""
    others = [int(n) for n in args.scale_ns if n != args.n]
    return min(others) if others else int(args.n)


def _scale_run(stack: BenchStack, args: argparse.Namespace, n: int, profiled: bool, result: dict[str, Any]
               ) -> dict[str, Any]:
    log(f"end to end, N={n:,}: fresh database and broker, four services")
    run = stack.start_run(f"n{n}")
    idle = Sampler(run.pids(), others=_others(stack))
    idle.mark()
    time.sleep(args.idle_seconds)  # what the stack burns doing nothing (pollers), to set apart
    idle.stop()
    sampler = Sampler(run.pids(), others=_others(stack))
    spies: dict[str, Any] = {}
    prof_dir = Path(args.out) / "profile"
    want_profile = profiled and args.profile_seconds > 0

    gc_before: dict[str, Any] = {}

    def on_offer() -> None:
        sampler.start()
        if args.gc_probe:
            gc_before.update(gcstats.read(stack.gc_folder, run.pids()))
        if want_profile:
            spies.update(profile.start(run.pids(), args.profile_seconds, prof_dir))

    try:
        out = uvloop.run(flow.end_to_end(run, n, concurrency=args.concurrency, stall_seconds=args.stall_seconds,
                                          run_timeout=args.run_timeout, on_offer=on_offer,
                                          on_done=sampler.stop, log=lambda m: log("  " + m),
                                          pg_stats=args.pg_stats))
        out["resources"] = sampler.summary()
        if args.gc_probe:
            time.sleep(1.5)  # each process writes its totals at most once a second
            out["garbage_collector"] = gcstats.during(gc_before, gcstats.read(stack.gc_folder, run.pids()))
        out["idle"] = {"seconds": round(idle.wall_seconds, 2),
                       "cpu_share_of_all_cores": idle.summary()["cpu_share_of_all_cores"]}
        if want_profile:
            if spies:
                result["profile"] = {"seconds": args.profile_seconds, "n": n, "headline": n == args.n,
                                     "services": profile.finish(spies, prof_dir, args.profile_seconds)}
            else:
                result["profile"] = {"skipped": "py-spy is not installed (pip install py-spy to profile)"}
    finally:
        stack.end_run(run)
    return out


def _latency_once(stack: BenchStack, args: argparse.Namespace, label: str, *, profiled: bool = False
                  ) -> tuple[Run, dict[str, Any]]:
    run: Run = stack.start_run(label)
    sampler = Sampler(run.pids(), others=_others(stack)).start()
    # a light load is profiled too (in a run of its own, not one of the measured runs): its cost
    # per concern is not the throughput run's (small batches, pollers), and it is this cost that
    # the latency target meets
    prof_dir = Path(args.out) / "profile-latency"
    prof_seconds = min(args.profile_seconds, args.latency_seconds)
    spies: dict[str, Any] = {}

    def on_offer() -> None:
        if profiled:
            spies.update(profile.start(run.pids(), prof_seconds, prof_dir))
    try:
        timeout = max(args.run_timeout / 2, args.latency_seconds * 2)
        out = uvloop.run(flow.latency(run, args.latency_rate, args.latency_seconds,
                                      stall_seconds=args.stall_seconds, run_timeout=timeout,
                                      log=lambda m: log("  " + m), on_offer=on_offer))
        sampler.stop()
        out["resources"] = sampler.summary()
        if spies:
            out["profile"] = {"seconds": prof_seconds, "services": profile.finish(spies, prof_dir, prof_seconds)}
    except BaseException:
        stack.end_run(run)
        raise
    return run, out


def _latency_and_intake(stack: BenchStack, args: argparse.Namespace, result: dict[str, Any]) -> None:
    """The latency run, `--latency-repeats` times, each on a fresh stack: on two shared cores one
    run's p95 varies by a fifth or more, so the headline is the WORST run (the verdict holds for
    every run), and each run's percentiles are kept."""
    runs: list[dict[str, Any]] = []
    run: Run | None = None
    for i in range(max(1, args.latency_repeats)):
        if run is not None:
            stack.end_run(run)
        log(f"latency: {args.latency_rate:g} concerns/s for {args.latency_seconds:g} s on a fresh stack"
            + (f" (run {i + 1} of {args.latency_repeats})" if args.latency_repeats > 1 else ""))
        run, out = _latency_once(stack, args, f"latency{i}")
        runs.append(out)
        log(f"  p50 / p95 / p99 {out['final_message_ms']['p50']} / {out['final_message_ms']['p95']} / "
            f"{out['final_message_ms']['p99']} ms")
    assert run is not None
    worst = max(runs, key=lambda r: (bool(r.get("lower_bound")), r["final_message_ms"]["p95"] or 0.0))
    result["latency"] = {**worst, "runs": [{"final_message_ms": r["final_message_ms"],
                                            "first_message_ms": r["first_message_ms"],
                                            "lower_bound": r.get("lower_bound")} for r in runs]}
    if args.profile_seconds > 0:
        stack.end_run(run)
        log("latency, profiled: one more run with py-spy sampling each service (not in the figures above)")
        run, out = _latency_once(stack, args, "latency-profiled", profiled=True)
        result["latency"]["profiled_run"] = {
            "final_message_ms": out["final_message_ms"], "resources": out.get("resources"),
            "profile": out.get("profile") or {"skipped": "py-spy is not installed (pip install py-spy to profile)"}}
    try:
        log("intake alone: the other three services stopped; POST /api/v1/concerns, "
            f"{args.concurrency} in flight, {args.intake_seconds:g} s")
        others = {k: v for k, v in run.platform.procs.items() if k != "intake"}
        for name in others:
            run.platform.procs.pop(name)
        stack.end_run_platform(Platform(home=stack.home, procs=others))
        alone = Sampler({"intake": run.pids()["intake"]}, others=_others(stack)).start()
        result["intake_alone"] = uvloop.run(flow.intake_alone(run, args.intake_seconds, args.concurrency))
        alone.stop()
        result["intake_alone"]["resources"] = alone.summary()
    finally:
        stack.end_run(run)


def _phase(result: dict[str, Any], name: str, action: Any) -> Any:
    """Run one part; a failure is recorded (and shown) and the next part still runs."""
    try:
        return action()
    except Exception as err:  # noqa: BLE001 - reported in the table and the JSON, and the exit code
        log(f"[red]{name} failed[/]: {type(err).__name__}: {str(err)[:300]}")
        result.setdefault("errors", []).append({"phase": name, "error": f"{type(err).__name__}: {err}"[:2000]})
        return None


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    started = datetime.now(UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    out = Path(args.out)
    result: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"), "args": {k: v for k, v in vars(args).items()},
        "machine": {"cpus": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
                    "python": sys.version.split()[0], "platform": py_platform.platform(),
                    "load_average_at_start": os.getloadavg()},
    }
    stack = BenchStack(pg_options=pgstats.SERVER_OPTIONS if args.pg_stats else "", gc_probe=args.gc_probe)
    t0 = time.monotonic()
    try:
        log(f"starting the stack in {stack.home}")
        stack.start()
        result["stack"] = {"kind": stack.kind, "bootstrap": stack.bootstrap,
                           "partitions": int(os.environ.get("FRONTDOOR_TOPIC_PARTITIONS", "3")),
                           "postgres": stack.settings(), "outbox": True, "inbox": True, "acks": "all"}
        result["baselines"] = _phase(result, "baselines", lambda: _baselines(stack, args)) or {}
        result["scale"] = []
        for n in args.scale_ns:
            run = _phase(result, f"end to end N={n}",
                         lambda n=n: _scale_run(stack, args, n, profiled=n == _profiled_n(args), result=result))
            if run is not None:
                result["scale"].append(run)
                if n == args.n:
                    result["end_to_end"] = run
        _phase(result, "latency and intake alone", lambda: _latency_and_intake(stack, args, result))
    except KeyboardInterrupt:
        log("interrupted: reporting what was measured")
        result["interrupted"] = True
    except Exception as err:  # noqa: BLE001 - the stack itself failed: report it with what we have
        result.setdefault("errors", []).append({"phase": "stack", "error": f"{type(err).__name__}: {err}"})
        console.print_exception()
    finally:
        stack.stop()
    result["seconds_total"] = round(time.monotonic() - t0, 1)
    peaks: dict[str, float] = {}
    for part in [*result.get("scale", []), result.get("latency") or {}, result.get("intake_alone") or {}]:
        for svc, mb in part.get("resources", {}).get("peak_rss_mb", {}).items():
            if svc in report.SERVICES:
                peaks[svc] = max(peaks.get(svc, 0.0), mb)
    result["peak_rss_mb"] = peaks
    kafka = result.get("baselines", {}).get("kafka", {}).get("round_trip_msgs_per_s")
    for run in result.get("scale", []):
        run["ratio_to_kafka_round_trip"] = (round(run["concerns_per_s"] / kafka, 6)
                                            if kafka and run.get("concerns_per_s") else None)
        run["cpu_ms_per_concern"] = report.cpu_ms_per_concern(run)
        run["cpu_ms_per_concern_less_idle"] = report.cpu_ms_per_concern(run, less_idle=True)
    result["linearity"] = report.linearity(result.get("scale", []))
    result["limits"] = report.limits(result)
    json_path, png_path = out / f"bench-{stamp}.json", out / f"bench-{stamp}.png"
    skipped = report.write_png(result, png_path)
    result["png"] = None if skipped else str(png_path)
    report.write_json(result, json_path)
    report.table(result, console)
    console.print(f"JSON: {json_path}")
    console.print(f"PNG:  {png_path}" if not skipped else f"PNG skipped: {skipped} (pip install matplotlib)")
    console.print(f"took {result['seconds_total']:.0f} s")
    for problem in result.get("errors", []):
        console.print(f"[red]error in {problem['phase']}[/]: {problem['error'][:500]}")
    return 1 if result.get("errors") else 0


if __name__ == "__main__":
    sys.exit(main())
