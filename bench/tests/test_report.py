"""The benchmark's note on how the target's CPU budget splits, from what was measured."""

from __future__ import annotations

from typing import Any

import pytest

from bench.report import budget_note, cpu_ms_per_concern, limits, linearity


def _run(**cpu_seconds: float) -> dict[str, Any]:
    return {"completed": 10_000, "resources": {"cores": 2, "cpu_seconds": {
        "intake": 9.0, "triage": 3.0, "early-years": 2.0, "notifications": 8.0, **cpu_seconds}}}


def test_the_budget_names_what_the_fixed_parts_take_and_what_is_left_for_the_services() -> None:
    note = budget_note(_run(postgres=11.0, broker=2.0), 1000)
    assert note is not None
    assert "2.0 ms of CPU per concern on 2 cores" in note
    assert "PostgreSQL and the broker took 1.30 ms" in note
    assert "~1,538 concerns/s" in note  # 2 cores / 1.3 ms
    assert "leaves the services 0.70 ms against the 2.20 ms they took (3.1x)" in note


def test_fixed_parts_over_the_budget_are_said_plainly() -> None:
    note = budget_note(_run(postgres=19.0, broker=3.0), 1000)
    assert note is not None
    assert "they alone exceed the budget (the services took 2.20 ms)" in note


@pytest.mark.parametrize("run", [{}, {"completed": 0, "resources": {"cpu_seconds": {"postgres": 1.0}}},
                                 {"completed": 5, "resources": {"cpu_seconds": {"postgres": 1.0}}}])
def test_no_note_without_every_parts_cpu(run: dict[str, Any]) -> None:
    assert budget_note(run, 1000) is None


def test_the_limits_carry_the_budget_note() -> None:
    notes = limits({"end_to_end": _run(postgres=11.0, broker=2.0), "machine": {"cpus": 2}})
    assert any(n.startswith("Budget at 1,000 concerns/s") for n in notes)


def _scale(n: int, seconds: float, stack_cpu: float) -> dict[str, Any]:
    return {"n": n, "completed": n, "seconds": seconds, "all_completed": True,
            "resources": {"cores": 2, "cpu_seconds": {"intake": stack_cpu, "bench client": 99.0}}}


def test_cpu_per_concern_is_kept_to_the_microsecond_and_the_cost_ratio_is_read_from_it() -> None:
    small, large = _scale(5_000, 10.0, 15.245), _scale(50_000, 100.0, 167.55)  # 3.049 and 3.351 ms
    assert cpu_ms_per_concern(small) == 3.049  # the bench client's CPU is not the stack's
    lin = linearity([small, large])
    assert lin is not None
    assert lin["cpu_ms_per_concern"] == [3.049, 3.351]
    assert lin["cpu_ratio"] == 1.1  # from 3.0 and 3.4 (each rounded to a tenth of a ms) it was 1.13


def test_the_notes_give_the_cpu_per_concern_to_the_hundredth() -> None:
    notes = limits({"end_to_end": _run(postgres=11.0, broker=2.0), "machine": {"cpus": 2}})
    cost = next(n for n in notes if n.startswith("CPU cost"))
    assert "3.50 ms of CPU per concern" in cost  # (9 + 3 + 2 + 8 + 11 + 2) s over 10,000 concerns
    assert "needs 1.8x less" in cost


def test_the_plot_is_drawn_from_a_result(tmp_path: Any) -> None:
    pytest.importorskip("matplotlib")
    from bench.report import write_png

    run = {**_run(postgres=11.0, broker=2.0), "n": 10_000}
    run["resources"]["cpu_seconds"].update({"bench client": 1.0, "whole machine": 37.0})
    result = {"end_to_end": run, "scale": [_scale(5_000, 10.0, 15.0), _scale(20_000, 41.0, 66.0)],
              "peak_rss_mb": {"intake": 170.0, "triage": 120.0}}
    path = tmp_path / "bench.png"
    assert write_png(result, path) is None
    assert path.read_bytes().startswith(b"\x89PNG")
