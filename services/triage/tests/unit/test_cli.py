"""`frontdoor triage simulate` refuses bad input before it touches the database."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from triage.adapters.policy_loader import shipped_policy
from triage.entrypoints.cli import simulate_app

runner = CliRunner()
NOWHERE = "postgresql://nobody@127.0.0.1:1/none"


def test_the_sub_app_offers_simulate() -> None:
    result = runner.invoke(simulate_app, ["--help"])

    assert result.exit_code == 0
    assert "simulate" in result.output


def test_a_bad_policy_is_refused_with_its_line_and_reason(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(shipped_policy("default").read_text().replace("priority: high}", "priority: soon}", 1))

    result = runner.invoke(simulate_app, ["simulate", "--policy", str(bad), "--database-url", NOWHERE])

    assert result.exit_code == 2
    assert "The policy was refused" in result.output
    assert "'soon' is not one of urgent, high, routine" in result.output
    assert "bad.yaml line " in result.output


def test_an_unreadable_as_of_date_is_refused() -> None:
    result = runner.invoke(simulate_app, ["simulate", "--policy", str(shipped_policy("default")),
                                          "--as-of", "next week", "--database-url", NOWHERE])

    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output
