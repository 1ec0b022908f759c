"""`frontdoor triage simulate` on a stored population, in a database of its own."""

from __future__ import annotations

import asyncio
import csv
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from frontdoor_shared.contracts import ConcernSubmittedV1
from frontdoor_shared.db import make_engine
from triage.adapters.policy_loader import shipped_policy
from triage.adapters.repository import TriageRepository
from triage.entrypoints.cli import simulate_app
from triage.service_layer.events import stored_facts

pytestmark = pytest.mark.integration

TRIAGED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def population(submitted: Any) -> list[tuple[ConcernSubmittedV1, str, str | None, str | None]]:
    """(concern, outcome and pathway under the default policy, what Council B gives by hand)."""
    toddler = {"age_in_months": 30, "compulsory_school_age_from": None, "need_codes": ["SLCN"],
               "ranges": [{"area": "C&I", "range": 3}], "tried_for_weeks": 12,
               "screening": [{"tool": "WellComm", "outcome": "amber", "area": "C&I"}]}
    return [
        # C&L range 4: default outreach; B sends C&L 4 to SEN support, and panels school-age children
        (submitted(ranges=[{"area": "C&L", "range": 4}], tried_for_weeks=12), "routed", "outreach",
         "panel:sen-support"),
        # range 5: default statutory; B's statutory threshold is 6, so outreach
        (submitted(need_codes=["PD"], ranges=[{"area": "S&P", "range": 5}], tried_for_weeks=12),
         "routed", "statutory", "panel:outreach"),
        # SEMH 4: outreach under both; only the outcome changes (B panels school-age children)
        (submitted(need_codes=["SEMH"], ranges=[{"area": "SEMH", "range": 4}], tried_for_weeks=12),
         "routed", "outreach", "panel:outreach"),
        # 8 weeks tried: enough for the default (6), not for B (12)
        (submitted(), "routed", "sen-support", "more-information-needed:"),
        # a toddler on the slcn pathway under both
        (submitted(**toddler), "panel", "slcn", "panel:slcn"),
        # the panel later overrode this one (stored pathway outreach): simulate compares the policy's slcn
        (submitted(**toddler), "panel", "slcn", "panel:slcn"),
        (submitted(safeguarding=True), "safeguarding", None, "safeguarding:"),
    ]


@pytest.fixture(scope="module")
async def stored(test_stack: Any, migrate: Any, fresh_database: Any, submitted: Any) -> tuple[str, list[Any]]:
    url = await fresh_database(test_stack.database_url)
    await migrate(url)
    rows = population(submitted)
    engine = make_engine(url, pool_size=1)
    async with engine.begin() as conn:
        repo = TriageRepository(conn)
        for index, (data, outcome, pathway, _) in enumerate(rows):
            overridden = index == 5
            await repo.save(concern_id=data.concern_id, reference=data.reference, outcome=outcome,
                            pathway="outreach" if overridden else pathway, recommended_pathway=pathway,
                            priority="routine", reasons=[], missing=[], policy_version="default-2026.1",
                            decided_by="panel" if overridden else "policy", facts=stored_facts(data),
                            triaged_at=TRIAGED)
    await engine.dispose()
    return url, rows


def _run(*args: str) -> Any:
    return CliRunner().invoke(simulate_app, ["simulate", *args], terminal_width=200)


async def test_simulate_reports_the_changes_a_hand_re_evaluation_gives(stored: Any, tmp_path: Path) -> None:
    url, rows = stored
    out = tmp_path / "changes.csv"

    result = await asyncio.to_thread(_run, "--policy", str(shipped_policy("example-council-b")),
                                     "--csv", str(out), "--database-url", url)

    assert result.exit_code == 0, result.output
    assert "7 concern(s) re-run as of each concern's triage date: 3 would change pathway; " \
           "4 would change outcome or pathway." in result.output
    assert re.search(r"routed / statutory +│ panel / outreach +│ pathway +│ +1 │", result.output)
    with out.open(newline="") as f:
        written = list(csv.DictReader(f))
    assert list(written[0]) == ["reference", "old_outcome", "old_pathway", "new_outcome", "new_pathway"]
    by_reference = {w["reference"]: w for w in written}
    for data, outcome, pathway, by_hand in rows:
        got = by_reference[data.reference]
        assert (got["old_outcome"], got["old_pathway"]) == (outcome, pathway or "")
        assert f"{got['new_outcome']}:{got['new_pathway']}" == by_hand


async def test_the_same_policy_changes_nothing_and_a_later_date_moves_no_one_here(stored: Any) -> None:
    url, _ = stored

    same = await asyncio.to_thread(_run, "--policy", str(shipped_policy("default")), "--database-url", url)
    today = await asyncio.to_thread(_run, "--policy", str(shipped_policy("default")), "--as-of", "today",
                                    "--database-url", url)

    assert "0 would change pathway; 0 would change outcome or pathway" in same.output
    assert f"as of {datetime.now(UTC).date()}" in today.output
