"""What every browser test shares: Python Playwright driving Debian's /usr/bin/chromium (no browser
download), axe-core for the WCAG check, and the family's private link.

Importing this module skips the importing test module cleanly when Playwright or Chromium is
missing (a module-level skip), so no test module has to import another test module to share it.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.support import mailbox, wait_for

sync_api = pytest.importorskip("playwright.sync_api", reason="Python Playwright is not installed")
CHROMIUM = "/usr/bin/chromium"
if not shutil.which(CHROMIUM):
    pytest.skip("Chromium is not installed at /usr/bin/chromium", allow_module_level=True)

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _axe_script() -> Path | None:
    """axe.min.js from AXE_CORE_JS, the axe-playwright-python package, or node_modules/axe-core."""
    found = importlib.util.find_spec("axe_playwright_python")
    places = [os.environ.get("AXE_CORE_JS"), ROOT / "node_modules" / "axe-core" / "axe.min.js",
              Path(found.origin).parent / "axe.min.js" if found and found.origin else None]
    return next((Path(p) for p in places if p and Path(p).is_file()), None)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    script = _axe_script()
    if script is None:
        pytest.skip("axe-core not found: install axe-playwright-python, or set AXE_CORE_JS to axe.min.js")
    page.add_script_tag(path=script)
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG)
    return [{"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in result["violations"]]


def status_link(platform: Any, reference: str) -> str:
    """The family's private status link, from their first message in the development mailbox."""
    def first_message() -> list[dict[str, Any]]:
        return [m for m in mailbox(platform, reference) if m["template"] == "family/concern-submitted"]

    wait_for(lambda: bool(first_message()), 90, "the family's first message")
    token = re.search(r"/status/([A-Za-z0-9_\-]+)", first_message()[0]["body"])
    assert token is not None
    return f"http://127.0.0.1:{platform.ports['notifications']}/status/{token.group(1)}"
