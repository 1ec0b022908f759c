"""Sessions end when they should, not when their tokens run out (intake as a process, the real
PostgreSQL and broker): signing out ends the session and not only the cookie; a changed password
ends every other session of the account; the admin CLI disabling an account or a partner system,
or resetting a password, ends their sessions within seconds, through `intake.access-revoked.v1`;
and a restarted intake still refuses what was ended before."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def platform(test_stack, tmp_path_factory):  # type: ignore[no-untyped-def]
    from frontdoor_cli.testing import fresh_database, migrate_all
    from tests.support import new_platform

    stack = SimpleNamespace(database_url=fresh_database(test_stack), bootstrap=test_stack.bootstrap)
    migrate_all(stack.database_url)
    p = new_platform(tmp_path_factory.mktemp("sessions"), stack)
    p.start_service("intake")
    p.wait_healthy("intake")
    yield p
    p.stop()


def _url(platform: Any) -> str:
    return f"http://127.0.0.1:{platform.ports['intake']}"


def _cli(platform: Any, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    from frontdoor_cli.main import app

    monkeypatch.setenv("DATABASE_URL", platform.database_url)
    result = CliRunner().invoke(app, ["accounts", *args])
    assert result.exit_code == 0, result.output
    return result


@contextlib.contextmanager
def _signed_in(platform: Any, email: str, password: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=_url(platform), timeout=30, follow_redirects=False) as browser:
        browser.get("/sign-in")
        answer = browser.post("/sign-in", data={"email": email, "password": password,
                                                "csrf_token": browser.cookies["fd_csrf"], "next": "/concerns"})
        assert answer.status_code == 303, answer.text
        yield browser


def _api(platform: Any, token: str) -> int:
    """What intake's API answers this token (200: the session is open; 401: it is not)."""
    return httpx.get(f"{_url(platform)}/api/v1/concerns", headers={"Authorization": f"Bearer {token}"},
                     timeout=30).status_code


def _partner_token(platform: Any) -> str:
    """A new token for the demo partner (never `tests.support.partner_token`'s, kept for other tests)."""
    creds = platform.seed_demo()["partner_client"]
    answer = httpx.post(f"{_url(platform)}/oauth/token", data={"grant_type": "client_credentials"},
                        auth=(creds["client_id"], creds["client_secret"]), timeout=30)
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def _until_refused(platform: Any, token: str, seconds: float = 45) -> float:
    from tests.support import wait_for

    return wait_for(lambda: _api(platform, token) == 401, seconds, "the session to be refused")


def _new_user(platform: Any, monkeypatch: pytest.MonkeyPatch, email: str) -> str:
    added = _cli(platform, monkeypatch, "add-user", "--email", email, "--name", "Rhys Referrer", "--role",
                 "referrer", "--organisation", "Model Council")
    printed = re.search(r"shown once: (\S+)", added.output).group(1)  # type: ignore[union-attr]
    with _signed_in(platform, email, printed) as browser:
        changed = browser.post("/account/password", data={
            "current": printed, "new": "pebble harbour violin", "confirm": "pebble harbour violin",
            "csrf_token": browser.cookies["fd_csrf"]})
        assert changed.status_code == 200, changed.text
    return "pebble harbour violin"


def test_signing_out_ends_the_session_not_only_the_cookie(platform) -> None:  # type: ignore[no-untyped-def]
    user = platform.seed_demo()["users"]["health-visitor"]
    with _signed_in(platform, user["email"], user["password"]) as browser, \
            _signed_in(platform, user["email"], user["password"]) as elsewhere:
        token = browser.cookies["fd_session"]
        assert _api(platform, token) == 200
        out = browser.post("/sign-out", data={"csrf_token": browser.cookies["fd_csrf"]})
        assert out.status_code == 303
        # a copy of the cookie (or the token taken from it) no longer opens anything, at once
        assert _api(platform, token) == 401
        with httpx.Client(base_url=_url(platform), cookies={"fd_session": token}, follow_redirects=False) as copy:
            assert copy.get("/concerns").headers["location"] == "/sign-in?next=/concerns"
        # the same person's other session goes on
        assert elsewhere.get("/concerns").status_code == 200


def test_a_token_ends_its_own_session_by_the_api_and_only_as_a_bearer_token(platform) -> None:  # type: ignore[no-untyped-def]
    token = _partner_token(platform)
    assert _api(platform, token) == 200
    # the cookie alone cannot end it: another site's page could make a browser send that
    assert httpx.delete(f"{_url(platform)}/api/v1/session", cookies={"fd_session": token}).status_code == 401
    assert _api(platform, token) == 200
    ended = httpx.delete(f"{_url(platform)}/api/v1/session", headers={"Authorization": f"Bearer {token}"})
    assert ended.status_code == 204
    assert _api(platform, token) == 401
    assert _api(platform, _partner_token(platform)) == 200  # a new token opens a new session
    # a token that names no session (a council's provider may issue those): said so, not a 500
    import time

    import jwt

    from frontdoor_shared.auth import AUDIENCE, DEV_SECRET, ISSUER
    now = int(time.time())
    sessionless = jwt.encode({"sub": "user-x", "kind": "staff", "role": "referrer", "iss": ISSUER, "aud": AUDIENCE,
                              "iat": now, "exp": now + 600}, DEV_SECRET, algorithm="HS256")
    refused = httpx.delete(f"{_url(platform)}/api/v1/session", headers={"Authorization": f"Bearer {sessionless}"})
    assert refused.status_code == 409
    assert "names no session" in refused.text


def test_changing_a_password_ends_every_other_session_of_the_account(platform, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    password = _new_user(platform, monkeypatch, "rhys@council.example")
    with _signed_in(platform, "rhys@council.example", password) as here, \
            _signed_in(platform, "rhys@council.example", password) as there:
        stale = there.cookies["fd_session"]
        assert there.get("/concerns").status_code == 200
        changed = here.post("/account/password", data={
            "current": password, "new": "copper meadow lantern", "confirm": "copper meadow lantern",
            "csrf_token": here.cookies["fd_csrf"]})
        assert changed.status_code == 200
        assert "you have been signed out" in changed.text
        assert here.get("/concerns").status_code == 200  # the session that changed it goes on, renewed
        assert there.get("/concerns").headers["location"] == "/sign-in?next=/concerns"
        assert _api(platform, stale) == 401


def test_the_admin_cli_ends_sessions_within_seconds_and_a_restarted_intake_still_refuses_them(  # type: ignore[no-untyped-def]
        platform, monkeypatch) -> None:
    password = _new_user(platform, monkeypatch, "nia@council.example")
    with _signed_in(platform, "nia@council.example", password) as browser:
        staff_token = browser.cookies["fd_session"]
    partner = _partner_token(platform)
    assert _api(platform, staff_token) == 200
    assert _api(platform, partner) == 200
    # another process changes the accounts: the running intake hears of it through the broker
    _cli(platform, monkeypatch, "disable-user", "--email", "nia@council.example")
    _cli(platform, monkeypatch, "disable-partner", "--client-id", "demo-partner")
    _until_refused(platform, staff_token)
    _until_refused(platform, partner)
    _cli(platform, monkeypatch, "disable-user", "--email", "nia@council.example", "--enable")
    _cli(platform, monkeypatch, "disable-partner", "--client-id", "demo-partner", "--enable")
    with _signed_in(platform, "nia@council.example", password) as browser:  # let back in: a new session opens
        assert browser.get("/concerns").status_code == 200
    reset = _cli(platform, monkeypatch, "reset-password", "--email", "rhys@council.example")
    assert "shown once" in reset.output

    platform.stop_service("intake")  # what was ended stays ended: kept in intake's database
    platform.start_service("intake")
    platform.wait_healthy("intake")
    assert _api(platform, staff_token) == 401
    assert _api(platform, partner) == 401
    assert _api(platform, _partner_token(platform)) == 200
    # one row per session or account: an account's latest revocation is the one it keeps (both
    # accounts changed their password before being disabled or reset)
    assert asyncio.run(_kept(platform.database_url)) == {"signed-out", "account-disabled", "partner-disabled",
                                                        "password-reset"}


async def _kept(database_url: str) -> set[str]:
    """The reasons in intake's table: account ids, session ids, times and codes, nothing else."""
    import asyncpg

    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        columns = {r["column_name"] for r in await conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'intake'"
            " AND table_name = 'revoked_access'")}
        assert columns == {"key", "revoked_at", "until", "reason"}
        return {r["reason"] for r in await conn.fetch("SELECT reason FROM intake.revoked_access")}
    finally:
        await conn.close()


def test_the_council_ends_every_session_of_an_account_without_stopping_it(platform, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A lost laptop, a leaked token: every session ends, the account stays, a new sign-in works."""
    from frontdoor_cli.main import app

    user = platform.seed_demo()["users"]["setting-senco"]
    with _signed_in(platform, user["email"], user["password"]) as browser:
        lost = browser.cookies["fd_session"]
    leaked = _partner_token(platform)
    ended = _cli(platform, monkeypatch, "end-sessions", "--email", user["email"])
    assert "every session open now ends" in ended.output
    _cli(platform, monkeypatch, "end-sessions", "--client-id", "demo-partner")
    _until_refused(platform, lost)
    _until_refused(platform, leaked)
    with _signed_in(platform, user["email"], user["password"]) as browser:
        assert browser.get("/concerns").status_code == 200
    assert _api(platform, _partner_token(platform)) == 200
    for wrong, why in ((["--email", "nobody@council.example"], "email: no account for nobody@council.example"),
                       ([], "email or client_id: name one member of staff or one partner system")):
        refused = CliRunner().invoke(app, ["accounts", "end-sessions", *wrong])
        assert refused.exit_code == 1
        assert why in refused.output
