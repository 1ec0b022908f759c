"""Every HTTP route and every dependency is `async def`: FastAPI runs a plain `def` endpoint or
dependency in a worker thread, a thread hand-off and an event-loop wake-up on every request (the
authentication dependencies were, until the 50/s profile showed it). A dependency that must block
belongs in an explicit `run_in_threadpool`, where it is seen."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

PACKAGES = ["intake.entrypoints", "early_years.entrypoints", "notifications.entrypoints", "triage.entrypoints"]


def _routers() -> Iterator[tuple[str, APIRouter]]:
    for package in PACKAGES:
        for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
            module = importlib.import_module(f"{package}.{info.name}")
            for name, value in vars(module).items():
                if isinstance(value, APIRouter):
                    yield f"{module.__name__}.{name}", value


def _on_the_loop(call: Any) -> bool:
    # a function, or an instance whose __call__ is (FastAPI's security schemes)
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(type(call).__call__)


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _dependencies(sub)


ROUTES = [(f"{where} {sorted(route.methods)} {route.path}", route)
          for where, router in _routers() for route in router.routes if isinstance(route, APIRoute)]


def test_every_service_has_routes_to_check() -> None:
    assert {where.split(".")[0] for where, _ in ROUTES} >= {"intake", "early_years", "notifications"}


@pytest.mark.parametrize("route", [r for _, r in ROUTES], ids=[w for w, _ in ROUTES])
def test_a_route_and_its_dependencies_run_on_the_event_loop(route: APIRoute) -> None:
    blocking = [getattr(d.call, "__qualname__", repr(d.call)) for d in _dependencies(route.dependant)
                if d.call is not None and not _on_the_loop(d.call)]
    assert _on_the_loop(route.endpoint), f"{route.endpoint.__qualname__} is a plain def: it runs in a thread"
    assert blocking == [], f"plain-def dependencies run in a thread on every request: {blocking}"
