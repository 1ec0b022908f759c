"""Supply-chain audit: every locked dependency (uv.lock, every workspace package and the dev group)
looked up in the known-vulnerability databases with pip-audit: PyPI's advisories first, then OSV.

Exit 1 when a locked version has a known vulnerability, or when a source answered but could not
audit some dependency. pip-audit on its own reports "No known vulnerabilities found" and exits 0
when PyPI answers 404 for every version it asks about (it counts those as skipped), so a source
that audited nothing counts as unreachable here. When no source can be reached, print
`blocked: <reason>` and exit 0, so that CI is not red only because of the network;
FRONTDOOR_AUDIT_REQUIRED=1 makes that exit 2 instead.

    python -m frontdoor_cli.audit                      # the locked workspace
    python -m frontdoor_cli.audit -r requirements.txt  # any pinned requirements file
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SERVICES = ("pypi", "osv")
ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Unreachable:
    reason: str


@dataclass
class Audited:
    vulnerable: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    audited: int = 0


def locked_requirements(root: Path = ROOT) -> str:
    """uv.lock as a pinned requirements file: third-party packages only (the workspace is ours)."""
    uv = root / ".tools" / "bin" / "uv"
    done = subprocess.run([str(uv if uv.exists() else "uv"), "export", "--frozen", "--all-packages", "--no-hashes",
                           "--no-emit-workspace", "--format", "requirements.txt"],
                          cwd=root, capture_output=True, text=True, check=True, timeout=120)
    return done.stdout


def pip_audit(requirements: Path, service: str, timeout: int = 20) -> Unreachable | Audited:
    done = subprocess.run([sys.executable, "-m", "pip_audit", "--requirement", str(requirements), "--no-deps",
                           "--disable-pip", "--vulnerability-service", service, "--format", "json",
                           "--progress-spinner", "off", "--timeout", str(timeout)],
                          capture_output=True, text=True, timeout=900)
    return classify(service, done.stdout, done.stderr)


def classify(service: str, stdout: str, stderr: str) -> Unreachable | Audited:
    """pip-audit's JSON report, or why there is none (it crashes on a connection error)."""
    try:
        report = json.loads(stdout)
    except ValueError:
        last = [line for line in stderr.splitlines() if line.strip()][-1:] or ["no report"]
        return Unreachable(f"{service}: {last[0][:300]}")
    deps = report.get("dependencies", [])
    skipped = [d for d in deps if d.get("skip_reason")]
    if deps and len(skipped) == len(deps):
        where = " (its per-version JSON API, /pypi/<name>/<version>/json, answered 404)" if service == "pypi" else ""
        return Unreachable(f"{service}: answered for none of the {len(deps)} dependencies{where}, "
                           f"e.g. {skipped[0]['skip_reason']}")
    return Audited(vulnerable=[d for d in deps if d.get("vulns")], skipped=skipped,
                   audited=len(deps) - len(skipped))


def audit(requirements: Path) -> int:
    reasons = []
    for service in SERVICES:
        result = pip_audit(requirements, service)
        if isinstance(result, Unreachable):
            reasons.append(result.reason)
            continue
        for dep in result.vulnerable:
            ids = ", ".join(v["id"] + (f" (fixed in {', '.join(v['fix_versions'])})" if v.get("fix_versions") else "")
                            for v in dep["vulns"])
            print(f"VULNERABLE {dep['name']}=={dep['version']}: {ids}")
        for dep in result.skipped:
            print(f"NOT AUDITED {dep['name']}: {dep['skip_reason']}")
        print(f"audit ({service}): {result.audited} dependencies audited, {len(result.vulnerable)} vulnerable, "
              f"{len(result.skipped)} not audited")
        return 1 if result.vulnerable or result.skipped else 0
    print("blocked: no vulnerability database could be reached; nothing was audited. " + "; ".join(reasons))
    return 2 if os.environ.get("FRONTDOOR_AUDIT_REQUIRED") == "1" else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m frontdoor_cli.audit", description=__doc__.split("\n\n")[0])
    parser.add_argument("-r", "--requirement", type=Path, help="a pinned requirements file (default: uv.lock)")
    args = parser.parse_args(argv)
    if args.requirement:
        return audit(args.requirement)
    with tempfile.TemporaryDirectory() as tmp:
        locked = Path(tmp) / "requirements.txt"
        locked.write_text(locked_requirements())
        return audit(locked)


if __name__ == "__main__":
    sys.exit(main())
