"""`frontdoor-<service> serve` runs the service on uvloop with httptools: uvicorn's defaults (the
asyncio loop, the pure-Python h11 parser) were the largest shares of every service's CPU; and it
freezes the built service out of the garbage collector's work before serving (see `heap`)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from typer.testing import CliRunner

from frontdoor_shared import heap, service_main


@pytest.fixture(autouse=True)
def _collector_as_it_was() -> Iterator[None]:
    """`serve` tunes the collector of the process it runs in: give the test process its own back."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


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


def test_serve_freezes_the_built_service_before_serving(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    gc.unfreeze()
    seen: dict[str, Any] = {}

    class App:  # a stand-in for the service's FastAPI app, built before serving
        pass

    def run(app: Any, **_: Any) -> None:
        seen.update(frozen=gc.get_freeze_count(), young=gc.get_threshold()[0],
                    app_is_collected=any(o is app for o in gc.get_objects()))

    monkeypatch.setattr(service_main.uvicorn, "run", run)
    monkeypatch.setattr(service_main, "configure_logging", lambda *a, **k: None)
    settings = SimpleNamespace(log_format="json", log_level="INFO", host="127.0.0.1", graceful_timeout_seconds=5)
    cli = service_main.service_cli(service="probe", schema="probe", migrations_dir=Path("."), default_port=8999,
                                   settings=lambda: settings, create_app=lambda s: App())

    result = CliRunner().invoke(cli, ["serve", "--port", "8999"])

    assert result.exit_code == 0, result.output
    assert seen["frozen"] > 0
    assert seen["young"] == heap.YOUNG_THRESHOLD
    assert seen["app_is_collected"] is False  # frozen: no collection walks it again


def test_settle_collects_start_ups_garbage_before_freezing() -> None:
    gc.unfreeze()

    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a  # type: ignore[attr-defined]  # a cycle: only the collector frees it
    gone = weakref.ref(a)
    del a, b

    heap.settle()

    assert gone() is None  # collected, not frozen for the life of the process
    assert gc.get_freeze_count() > 0
