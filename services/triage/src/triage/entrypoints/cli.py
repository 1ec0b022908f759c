"""`frontdoor triage simulate`: what would another policy change, on the concerns already triaged?

Mounted in the admin CLI as a sub-app (`app.add_typer(simulate_app, name="triage")`); it only
reads `triage.triage_result`, never changes anything and publishes nothing.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from frontdoor_shared.db import make_engine
from triage.adapters.policy_loader import PolicyError, load_policy
from triage.adapters.repository import TriageRepository
from triage.config import TriageSettings
from triage.domain.policy import Policy
from triage.service_layer.simulate import Placement, Simulation, SimulationReport, StoredTriage

CSV_COLUMNS = ("reference", "old_outcome", "old_pathway", "new_outcome", "new_pathway")

simulate_app = typer.Typer(help="Triage: the ranges policy and what-if simulation.", no_args_is_help=True)


@simulate_app.callback()
def _triage() -> None:
    """Triage: the ranges policy and what-if simulation."""


@simulate_app.command("simulate")
def simulate_command(
    policy: Path = typer.Option(..., "--policy", exists=True, dir_okay=False,
                                help="The policy file (YAML) to try"),
    csv_out: Path | None = typer.Option(None, "--csv", dir_okay=False,
                                        help="Also write one row per concern to this CSV file"),
    as_of: str | None = typer.Option(None, "--as-of", metavar="DATE|today",
                                     help="Judge ages as of this date, not each concern's triage date"),
    database_url: str | None = typer.Option(None, "--database-url", envvar="DATABASE_URL",
                                            help="PostgreSQL URL (default: DATABASE_URL)"),
) -> None:
    """Re-run every stored concern under POLICY and report how many would change pathway."""
    console = Console()
    trial = _load(policy, console)
    simulation = Simulation(trial, _as_of(as_of))
    url = database_url or TriageSettings().database_url.get_secret_value()
    with _csv_writer(csv_out) as writer:
        asyncio.run(_run(url, simulation, writer, console))
    _print(simulation.report, console)
    if csv_out:
        console.print(f"Wrote {simulation.report.total} row(s) to {csv_out}", soft_wrap=True)


def _load(path: Path, console: Console) -> Policy:
    try:
        return load_policy(path)
    except PolicyError as error:
        console.print("[red]The policy was refused:[/red]")
        for problem in error.problems:
            console.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


def _as_of(text: str | None) -> date | None:
    if text is None:
        return None
    if text == "today":
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter("give a date as YYYY-MM-DD, or 'today'", param_hint="--as-of") from None


@contextmanager
def _csv_writer(path: Path | None) -> Iterator[Any]:
    """A CSV writer (header written) when a file is asked for; otherwise None."""
    if path is None:
        yield None
        return
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        yield writer


async def _run(url: str, simulation: Simulation, writer: Any, console: Console) -> None:
    engine = make_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            repo = TriageRepository(conn)
            total = await repo.count_results()
            with _progress(console) as progress:
                task = progress.add_task("Re-running stored concerns", total=total)
                async for row in repo.stream_facts():
                    compared = simulation.compare(StoredTriage(row.reference, row.outcome, row.pathway,
                                                               row.facts, row.triaged_at))
                    if writer is not None and compared is not None:
                        writer.writerow((compared.reference, compared.old.outcome, compared.old.pathway or "",
                                         compared.new.outcome, compared.new.pathway or ""))
                    progress.advance(task)
    finally:
        await engine.dispose()


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeRemainingColumn(), console=console, transient=True)


def _print(report: SimulationReport, console: Console) -> None:
    table = Table(title=f"Stored concerns re-run under {report.policy_version}")
    table.add_column("from (outcome / pathway)", no_wrap=True)
    table.add_column("to (outcome / pathway)", no_wrap=True)
    table.add_column("change", no_wrap=True)
    table.add_column("concerns", justify="right")
    for old, new, count in report.rows():
        change = "pathway" if old.pathway != new.pathway else "outcome" if old != new else "-"
        table.add_row(_placed(old), _placed(new), change, str(count), style=None if old == new else "bold")
    console.print(table)
    when = f"as of {report.as_of}" if report.as_of else "as of each concern's triage date"
    console.print(f"{report.total} concern(s) re-run {when}: {report.pathway_changed} would change "
                  f"pathway; {report.changed} would change outcome or pathway.", soft_wrap=True)
    if report.unreadable:
        console.print(f"[yellow]{len(report.unreadable)} stored result(s) could not be read:[/yellow] "
                      + ", ".join(report.unreadable[:20]), soft_wrap=True)


def _placed(placement: Placement) -> str:
    return f"{placement.outcome} / {placement.pathway or '-'}"
