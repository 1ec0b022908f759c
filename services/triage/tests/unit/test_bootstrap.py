"""The composition root and the shape of the package (no I/O: nothing connects at construction)."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest

import triage
from frontdoor_shared import topics
from triage.adapters.policy_loader import PolicyError, shipped_policy
from triage.bootstrap import Triage
from triage.config import TriageSettings
from triage.domain.engine import ConcernFacts, evaluate

FORBIDDEN_IN_DOMAIN = {"sqlalchemy", "faststream", "fastapi", "pydantic", "pydantic_core", "aiokafka", "yaml"}
DOMAIN = Path(triage.__file__).parent / "domain"


def test_triage_reads_concerns_their_revisions_panel_decisions_and_erasures_through_one_consumer() -> None:
    subscribers = Triage(TriageSettings()).runtime.broker.subscribers

    assert len(subscribers) == 1
    assert set(subscribers[0].topic_names) == {topics.CONCERN_SUBMITTED, topics.CONCERN_UPDATED,
                                               topics.PANEL_DECISION, topics.CONCERN_ERASED, topics.CONCERN_WITHDRAWN}


def test_the_policy_file_setting_alone_changes_the_routing(monkeypatch: pytest.MonkeyPatch) -> None:
    facts = ConcernFacts("FD-TEST-0001", 90, False, date(2024, 9, 1), ("MLD",), (("C&L", 4),), (), 12,
                         "routine", False)
    default = Triage(TriageSettings()).policies.current

    monkeypatch.setenv("TRIAGE_POLICY_FILE", str(shipped_policy("example-council-b")))
    council_b = Triage(TriageSettings()).policies.current

    assert council_b.version == "council-b-2026.1"
    before, after = evaluate(default, facts, date(2026, 3, 2)), evaluate(council_b, facts, date(2026, 3, 2))
    assert (before.outcome, before.pathway) == ("routed", "outreach")
    assert (after.outcome, after.pathway) == ("panel", "sen-support")


def test_a_bad_policy_file_stops_start_up_naming_the_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(shipped_policy("default").read_text().replace("pathway: slcn,", "pathway: slcn2,"))
    monkeypatch.setenv("TRIAGE_POLICY_FILE", str(bad))

    with pytest.raises(PolicyError, match=r"bad.yaml line \d+: rules\[\d\]\.result\.pathway"):
        Triage(TriageSettings())


@pytest.mark.parametrize("module", sorted(DOMAIN.glob("*.py")), ids=lambda p: p.name)
def test_the_domain_imports_no_framework(module: Path) -> None:
    imported = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])

    assert not imported & FORBIDDEN_IN_DOMAIN
