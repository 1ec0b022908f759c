"""Signing out when the database cannot be reached: the cookie goes and this intake refuses the
session all the same (the whole path, with the database: tests/integration/test_sessions_end.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from frontdoor_shared import govuk
from frontdoor_shared.auth import SESSION_COOKIE, Principal, SessionEnded, Tokens
from frontdoor_shared.web import harden
from intake.config import IntakeSettings
from intake.entrypoints import auth_routes
from intake.entrypoints.main import TEMPLATES


@dataclass
class FakeIntake:
    tokens: Tokens = field(default_factory=Tokens)
    settings: IntakeSettings = field(default_factory=IntakeSettings)
    runtime: Any = field(default_factory=lambda: SimpleNamespace(engine=None))
    auth_production: bool = False


def test_a_sign_out_while_the_database_is_away_still_ends_the_session_here(monkeypatch: pytest.MonkeyPatch) -> None:
    async def database_away(*_: Any, **__: Any) -> bool:
        raise ConnectionRefusedError("PostgreSQL is restarting")

    monkeypatch.setattr(auth_routes, "end_session", database_away)
    intake = FakeIntake()
    app = FastAPI()
    app.state.intake = intake
    app.state.templates = govuk.templates(TEMPLATES)
    app.include_router(auth_routes.router)
    harden(app, production=False)
    browser = TestClient(app, follow_redirects=False)
    token = intake.tokens.issue(Principal(subject="health-visitor", kind="staff", role="referrer"))
    browser.cookies.set(SESSION_COOKIE, token)
    browser.get("/sign-in")

    out = browser.post("/sign-out", data={"csrf_token": browser.cookies["fd_csrf"]})

    assert out.status_code == 303
    assert f'{SESSION_COOKIE}=""' in out.headers["set-cookie"]
    with pytest.raises(SessionEnded):
        intake.tokens.verify(token)
