"""`make audit`: the locked dependencies against the known-vulnerability databases. A known
vulnerable pin fails it; a database that cannot be reached is reported as blocked, never as clean."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from frontdoor_cli import audit
from frontdoor_cli.audit import Audited, Unreachable, classify

VULNERABLE_PIN = "jinja2==2.10\n"  # CVE-2019-10906 (sandbox escape), CVE-2020-28493, CVE-2024-22195, ...


def _audit(requirements: Path, **env: str) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-m", "frontdoor_cli.audit", "-r", str(requirements)],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})
    return done.returncode, done.stdout + done.stderr


@pytest.fixture(scope="module")
def vulnerable(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("audit") / "requirements.txt"
    path.write_text(VULNERABLE_PIN)
    return path


def test_a_known_vulnerable_pin_is_never_reported_clean(vulnerable: Path) -> None:
    """pip-audit alone says "No known vulnerabilities found" (exit 0) when PyPI answers 404 for
    every version asked about: here that is either a failure naming jinja2, or `blocked`."""
    code, output = _audit(vulnerable)
    if output.startswith("blocked:"):
        assert code == 0, output
        assert "nothing was audited" in output
        required, _ = _audit(vulnerable, FRONTDOOR_AUDIT_REQUIRED="1")
        assert required == 2
    else:
        assert code == 1, output
        assert "VULNERABLE jinja2==2.10" in output, output


def test_a_known_vulnerable_pin_fails_the_audit(vulnerable: Path) -> None:
    code, output = _audit(vulnerable)
    if output.startswith("blocked:"):
        pytest.skip(f"no vulnerability database reachable from here: {output.strip()}")
    assert code == 1, output
    assert "VULNERABLE jinja2==2.10" in output, output


def _report(*deps: dict[str, object]) -> str:
    return json.dumps({"dependencies": list(deps), "fixes": []})


def test_a_source_that_audited_nothing_is_unreachable_not_clean() -> None:
    skipped = {"name": "jinja2", "skip_reason": "Dependency not found on PyPI and could not be audited: jinja2 (2.10)"}
    assert isinstance(classify("pypi", _report(skipped), ""), Unreachable)
    crashed = classify("osv", "", "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.osv.dev')")
    assert isinstance(crashed, Unreachable)
    assert "api.osv.dev" in crashed.reason


def test_a_vulnerable_or_unaudited_dependency_is_reported() -> None:
    found = classify("pypi", _report(
        {"name": "jinja2", "version": "2.10", "vulns": [{"id": "PYSEC-2019-217", "fix_versions": ["2.10.1"]}]},
        {"name": "httpx", "version": "0.28.1", "vulns": []},
        {"name": "private-thing", "skip_reason": "Dependency not found on PyPI"}), "")
    assert isinstance(found, Audited)
    assert [d["name"] for d in found.vulnerable] == ["jinja2"]
    assert [d["name"] for d in found.skipped] == ["private-thing"]
    assert found.audited == 2


def test_the_audit_fails_on_a_vulnerability_and_is_blocked_only_when_every_source_is(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    jinja = {"name": "jinja2", "version": "2.10", "vulns": [{"id": "PYSEC-2019-217", "fix_versions": ["2.10.1"]}]}
    answers = {"pypi": Unreachable("pypi: 404 for every version"), "osv": Audited(vulnerable=[jinja], audited=1)}
    monkeypatch.setattr(audit, "pip_audit", lambda _requirements, service: answers[service])
    assert audit.audit(Path("requirements.txt")) == 1
    assert "VULNERABLE jinja2==2.10: PYSEC-2019-217 (fixed in 2.10.1)" in capsys.readouterr().out
    answers["osv"] = Unreachable("osv: cannot resolve api.osv.dev")
    monkeypatch.delenv("FRONTDOOR_AUDIT_REQUIRED", raising=False)
    assert audit.audit(Path("requirements.txt")) == 0
    assert capsys.readouterr().out.startswith("blocked: ")
    answers["osv"] = Audited(audited=1)
    assert audit.audit(Path("requirements.txt")) == 0
    assert "1 dependencies audited, 0 vulnerable" in capsys.readouterr().out
