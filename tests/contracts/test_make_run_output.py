"""What `make run` prints can be copied whole: on an 80-column console no path, URL or command is
broken across lines (rich wraps at the console's width unless told not to)."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

from rich.console import Console

from frontdoor_cli import main


def test_every_place_make_run_prints_stays_on_its_own_line(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    home = Path("/a/rather/long/checkout/path/of/someone/who/nests/their/projects/frontdoor/.frontdoor")
    platform = SimpleNamespace(ports={"intake": 8000, "triage": 8001, "early-years": 8002, "notifications": 8003},
                               database_url="postgresql://postgres@127.0.0.1:55432/frontdoor",
                               bootstrap="127.0.0.1:9092", home=home, credentials_file=home / "dev-credentials.json")
    out = io.StringIO()
    monkeypatch.setattr(main, "console", Console(file=out, width=80, force_terminal=False, color_system=None))

    main._print_where(platform, 12.3)  # type: ignore[arg-type]

    printed = out.getvalue().splitlines()
    for line in main.where_lines(platform):  # type: ignore[arg-type]
        assert line in printed, f"broken across lines: {line.strip()[:40]}..."
    assert str(home / "dev-credentials.json") in out.getvalue()
