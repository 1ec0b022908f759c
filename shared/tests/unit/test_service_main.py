"""`frontdoor-<service> serve` runs the service on uvloop with httptools: uvicorn's defaults (the
asyncio loop, the pure-Python h11 parser) were the largest shares of every service's CPU."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from typer.testing import CliRunner

from frontdoor_shared import service_main


def test_serve_runs_uvicorn_on_uvloop_and_httptools(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ran: dict[str, Any] = {}
    monkeypatch.setattr(service_main.uvicorn, "run", lambda app, **kwargs: ran.update(app=app, **kwargs))
    monkeypatch.setattr(service_main, "configure_logging", lambda *a, **k: None)
    settings = SimpleNamespace(log_format="json", log_level="INFO", host="127.0.0.1", graceful_timeout_seconds=5)
    cli = service_main.service_cli(service="probe", schema="probe", migrations_dir=Path("."), default_port=8999,
                                   settings=lambda: settings, create_app=lambda s: "the app")

    result = CliRunner().invoke(cli, ["serve", "--port", "8999"])

    assert result.exit_code == 0, result.output
    assert (ran["app"], ran["loop"], ran["http"], ran["port"]) == ("the app", "uvloop", "httptools", 8999)


def test_uvloop_and_httptools_are_installed() -> None:
    import httptools
    import uvloop

    loop = uvloop.new_event_loop()
    loop.close()
    assert isinstance(loop, uvloop.Loop)
    assert callable(httptools.HttpRequestParser)
