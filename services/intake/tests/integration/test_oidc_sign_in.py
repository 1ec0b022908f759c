"""Staff sign in with the council's own accounts (OpenID Connect, authorization code flow with
PKCE), intake as a process against the real PostgreSQL and broker. The council's provider is the
one part played here: a small OpenID provider (discovery, authorize, token, JWKS; RS256 ID tokens)
that checks the PKCE verifier as a real one does. Front Door finds the account by the email address
the provider vouches for; a person with no account, a stopped account, a browser that did not
start the flow, an ID token not for this sign-in and a refusal at the provider all get the sign-in
page saying so, and no session; a council can turn Front Door's passwords off."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
import uvicorn
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

pytestmark = pytest.mark.integration

CLIENT_ID, CLIENT_SECRET = "front-door-intake", "provider-issued-secret-0123456789"


class Provider:
    """The council's OpenID provider, as far as a sign-in needs it; `person` is who signs in there."""

    def __init__(self, port: int) -> None:
        self.issuer = f"http://127.0.0.1:{port}"
        self.port = port
        self.key = RSAKey.generate_key(2048, parameters={"kid": "council-1", "use": "sig", "alg": "RS256"})
        self.person: dict[str, Any] = {}
        self.refuse = False
        self.wrong_nonce = False
        self.codes: dict[str, dict[str, Any]] = {}
        self.token_requests: list[dict[str, str]] = []
        self.id_tokens: list[str] = []
        self.signed_out: list[dict[str, str]] = []
        self.app = Starlette(routes=[
            Route("/logout", self.logout),
            Route("/.well-known/openid-configuration", self.discovery),
            Route("/authorize", self.authorize),
            Route("/token", self.token, methods=["POST"]),
            Route("/jwks", self.jwks),
        ])

    async def discovery(self, _: Request) -> Response:
        return JSONResponse({"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                             "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                             "response_types_supported": ["code"], "subject_types_supported": ["public"],
                             "id_token_signing_alg_values_supported": ["RS256"],
                             "code_challenge_methods_supported": ["S256"],
                             "end_session_endpoint": f"{self.issuer}/logout"})

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        assert (q["client_id"], q["response_type"], q["code_challenge_method"]) == (CLIENT_ID, "code", "S256")
        assert "openid" in q["scope"].split()
        if self.refuse:
            return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'error': 'access_denied', 'state': q['state']})}")
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"challenge": q["code_challenge"], "nonce": q["nonce"], "redirect_uri": q["redirect_uri"],
                            "person": dict(self.person)}
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}")

    async def token(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self.token_requests.append(form)
        basic = base64.b64decode(request.headers.get("authorization", "Basic ")[6:]).decode()
        if basic != f"{CLIENT_ID}:{CLIENT_SECRET}":
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        issued = self.codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if issued is None or issued["challenge"] != challenge or issued["redirect_uri"] != form.get("redirect_uri"):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "sub": secrets.token_hex(8), "iat": now, "exp": now + 300,
                  "nonce": "not-this-sign-in" if self.wrong_nonce else issued["nonce"], **issued["person"]}
        id_token = jwt.encode({"alg": "RS256", "kid": "council-1"}, claims, self.key)
        self.id_tokens.append(id_token)
        return JSONResponse({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300,
                             "id_token": id_token})

    async def logout(self, request: Request) -> Response:
        """RP-Initiated Logout: the provider's session ends; back to where the client asked."""
        self.signed_out.append(dict(request.query_params))
        return RedirectResponse(request.query_params["post_logout_redirect_uri"])

    async def jwks(self, _: Request) -> Response:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    from frontdoor_cli.stack import free_port

    council = Provider(free_port())
    server = uvicorn.Server(uvicorn.Config(council.app, host="127.0.0.1", port=council.port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield council
    server.should_exit = True
    thread.join(timeout=10)


def _oidc_env(provider: Provider, **more: str) -> dict[str, str]:
    return {"INTAKE_OIDC_DISCOVERY_URL": f"{provider.issuer}/.well-known/openid-configuration",
            "INTAKE_OIDC_CLIENT_ID": CLIENT_ID, "INTAKE_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "INTAKE_OIDC_BUTTON": "Sign in with your Model Council account", **more}


@pytest.fixture(scope="module")
def platform(test_stack, tmp_path_factory, provider):  # type: ignore[no-untyped-def]
    from frontdoor_cli.testing import fresh_database, migrate_all
    from tests.support import new_platform

    stack = SimpleNamespace(database_url=fresh_database(test_stack), bootstrap=test_stack.bootstrap)
    migrate_all(stack.database_url)
    p = new_platform(tmp_path_factory.mktemp("oidc"), stack)
    p.start_service("intake", **_oidc_env(provider))
    p.wait_healthy("intake")
    p.seed_demo()
    yield p
    p.stop()


def _browser(platform: Any) -> httpx.Client:
    return httpx.Client(base_url=f"http://127.0.0.1:{platform.ports['intake']}", timeout=30, follow_redirects=False)


def _through_the_provider(browser: httpx.Client, next_page: str = "/concerns/new/child") -> httpx.Response:
    """Press the button, sign in at the provider, come back: intake's answer to the callback."""
    page = browser.get(f"/sign-in?next={next_page}")
    assert "Sign in with your Model Council account" in page.text
    off = browser.get("/sign-in/oidc", params={"next": next_page})
    assert off.status_code == 302
    at_provider = off.headers["location"]
    sent = parse_qs(urlsplit(at_provider).query)
    assert {"state", "nonce", "code_challenge"} <= sent.keys()
    back = httpx.get(at_provider, follow_redirects=False, timeout=30)  # the provider's own pages
    assert back.status_code in (302, 307)
    return browser.get(back.headers["location"])


def test_a_member_of_staff_signs_in_with_the_councils_account_and_gets_their_front_door_role(  # type: ignore[no-untyped-def]
        platform, provider) -> None:
    demo = platform.seed_demo()["users"]["health-visitor"]
    provider.person = {"email": demo["email"].upper(), "email_verified": True}
    with _browser(platform) as browser:
        signed_in = _through_the_provider(browser)
        assert signed_in.status_code == 303
        assert signed_in.headers["location"] == "/concerns/new/child"
        assert browser.get("/concerns").status_code == 200  # their role (referrer) opens the referrer's pages
        assert "fd_oidc" not in {c.name for c in browser.cookies.jar if c.value}  # the flow's cookie is spent
    # the provider was asked with the PKCE verifier whose challenge went with the browser
    assert provider.token_requests[-1]["grant_type"] == "authorization_code"
    assert len(provider.token_requests[-1]["code_verifier"]) >= 43


def test_signing_out_ends_the_session_here_and_at_the_provider_so_the_next_person_is_not_let_in(  # type: ignore[no-untyped-def]
        platform, provider) -> None:
    demo = platform.seed_demo()["users"]["health-visitor"]
    provider.person = {"email": demo["email"], "email_verified": True}
    with _browser(platform) as browser:
        assert _through_the_provider(browser).status_code == 303
        id_token = provider.id_tokens[-1]
        session = browser.cookies["fd_session"]
        # the provider's ID token is kept for sign-out alone: no other page is ever sent it
        assert [(c.path, c.value) for c in browser.cookies.jar if c.name == "fd_idp_hint"] == [("/sign-out", id_token)]
        out = browser.post("/sign-out", data={"csrf_token": browser.cookies["fd_csrf"]})
        assert out.status_code == 303
        at_provider = urlsplit(out.headers["location"])
        assert f"{at_provider.scheme}://{at_provider.netloc}{at_provider.path}" == f"{provider.issuer}/logout"
        sent = {k: v[0] for k, v in parse_qs(at_provider.query).items()}
        intake = f"http://127.0.0.1:{platform.ports['intake']}"
        assert sent == {"id_token_hint": id_token, "client_id": CLIENT_ID,
                        "post_logout_redirect_uri": f"{intake}/sign-in"}
        back = httpx.get(out.headers["location"], follow_redirects=False, timeout=30)
        assert back.headers["location"] == f"{intake}/sign-in"
        assert provider.signed_out[-1]["id_token_hint"] == id_token
        assert not browser.cookies.get("fd_session")
        assert not [c for c in browser.cookies.jar if c.name == "fd_idp_hint"]
    with _browser(platform) as copy:  # the session, had anyone kept it, is ended too
        copy.cookies.set("fd_session", session)
        assert copy.get("/concerns").status_code == 303

    # signed out on the panel's pages (which end the session through intake's API): the link on their
    # signed-out page ends the provider's session too, and only once Front Door's has ended
    with _browser(platform) as browser:
        assert _through_the_provider(browser).status_code == 303
        id_token, session = provider.id_tokens[-1], browser.cookies["fd_session"]
        ended = len(provider.signed_out)
        live = browser.get("/sign-out/provider")
        assert (live.status_code, live.headers["location"]) == (303, "/concerns")  # a live session: nothing
        assert len(provider.signed_out) == ended
        assert httpx.delete(f"http://127.0.0.1:{platform.ports['intake']}/api/v1/session",
                            headers={"Authorization": f"Bearer {session}"}, timeout=10).status_code == 204
        out = browser.get("/sign-out/provider")
        assert out.status_code == 303
        assert out.headers["location"].startswith(f"{provider.issuer}/logout?")
        assert parse_qs(urlsplit(out.headers["location"]).query)["id_token_hint"] == [id_token]
        assert not [c for c in browser.cookies.jar if c.name == "fd_idp_hint"]

    ended = len(provider.signed_out)
    with _browser(platform) as browser:  # a session begun with a Front Door password ends here only
        browser.get("/sign-in")
        assert browser.post("/sign-in", data={"email": demo["email"], "password": demo["password"],
                                              "csrf_token": browser.cookies["fd_csrf"], "next": "/concerns"}
                            ).status_code == 303
        out = browser.post("/sign-out", data={"csrf_token": browser.cookies["fd_csrf"]})
        assert (out.status_code, out.headers["location"]) == (303, "/sign-in")
    assert len(provider.signed_out) == ended


def test_no_session_for_someone_without_an_account_or_with_a_stopped_one(platform, provider, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from frontdoor_cli.main import app

    provider.person = {"email": "stranger@council.example", "email_verified": True}
    with _browser(platform) as browser:
        refused = _through_the_provider(browser)
        assert refused.status_code == 403
        assert "Front Door has no account for stranger@council.example" in refused.text
        assert "fd_session" not in browser.cookies

    demo = platform.seed_demo()["users"]["setting-senco"]
    monkeypatch.setenv("DATABASE_URL", platform.database_url)
    assert CliRunner().invoke(app, ["accounts", "disable-user", "--email", demo["email"]]).exit_code == 0
    provider.person = {"email": demo["email"], "email_verified": True}
    with _browser(platform) as browser:
        assert _through_the_provider(browser).status_code == 403
        assert "fd_session" not in browser.cookies
    assert CliRunner().invoke(app, ["accounts", "disable-user", "--email", demo["email"], "--enable"]).exit_code == 0

    provider.person = {"email": demo["email"], "email_verified": False}  # the provider does not vouch for it
    with _browser(platform) as browser:
        assert _through_the_provider(browser).status_code == 400
        assert "fd_session" not in browser.cookies


def test_a_callback_not_started_by_this_browser_or_an_id_token_not_for_this_sign_in_is_refused(  # type: ignore[no-untyped-def]
        platform, provider) -> None:
    provider.person = {"email": platform.seed_demo()["users"]["health-visitor"]["email"], "email_verified": True}
    with _browser(platform) as victim, _browser(platform) as attacker:
        off = attacker.get("/sign-in/oidc")
        back = httpx.get(off.headers["location"], follow_redirects=False, timeout=30)
        # the attacker's code and state, opened in someone else's browser (login CSRF)
        answer = victim.get(back.headers["location"])
        assert answer.status_code == 400
        assert "Signing in with your council account did not work" in answer.text
        assert "fd_session" not in victim.cookies

    provider.wrong_nonce = True
    try:
        with _browser(platform) as browser:
            assert _through_the_provider(browser).status_code == 400
            assert "fd_session" not in browser.cookies
    finally:
        provider.wrong_nonce = False

    provider.refuse = True
    try:
        with _browser(platform) as browser:
            refused = _through_the_provider(browser)
            assert refused.status_code == 400
            assert "fd_session" not in browser.cookies
    finally:
        provider.refuse = False


def _accounts(platform: Any, email: str) -> tuple[Any, list[str]]:
    """The account kept for `email`, and the audit lines about it (action: why)."""
    import asyncio

    import sqlalchemy as sa

    from frontdoor_shared.db import make_engine

    async def read() -> tuple[Any, list[str]]:
        engine = make_engine(platform.database_url, pool_size=1)
        try:
            async with engine.connect() as conn:
                user = (await conn.execute(sa.text(
                    "SELECT id, role, organisation, panel_id, managed_by, disabled FROM intake.staff_user"
                    " WHERE email = :e"), {"e": email})).first()
                lines = [] if user is None else [f"{r.action}: {r.why}" for r in await conn.execute(sa.text(
                    "SELECT action, why FROM intake.audit WHERE reference = :r ORDER BY id"),
                    {"r": f"account:{user.id}"})]
        finally:
            await engine.dispose()
        return user, lines

    return asyncio.run(read())


def test_the_councils_directory_gives_each_person_their_role_and_takes_it_away(  # type: ignore[no-untyped-def]
        platform, provider, tmp_path, monkeypatch) -> None:
    """Accounts made at the first sign-in and kept to the role the council's groups give (a change
    of role ends the person's other sessions); no mapped group, no session; a stopped account stays
    stopped; a hand-added account stays as the council set it."""
    import json

    from typer.testing import CliRunner

    from frontdoor_cli.main import app
    from frontdoor_shared.auth import AuthSettings, Tokens

    roles = tmp_path / "roles.json"
    roles.write_text(json.dumps({"roles": [
        {"value": "grp-chairs", "role": "panel-chair", "organisation": "Model Council",
         "panel": "demo-early-years-panel"},
        {"value": "grp-health-visitors", "role": "referrer", "organisation": "Model NHS Trust"}]}))
    platform.stop_service("intake")
    platform.start_service("intake", **_oidc_env(provider, INTAKE_OIDC_ROLES_FILE=str(roles)))
    platform.wait_healthy("intake")
    tokens = Tokens(AuthSettings())
    email = "new.visitor@council.example"

    provider.person = {"email": email, "email_verified": True, "name": "New Visitor",
                       "groups": ["grp-other", "grp-health-visitors"]}
    with _browser(platform) as browser:
        assert _through_the_provider(browser).status_code == 303
        first = browser.cookies["fd_session"]
        assert browser.get("/concerns").status_code == 200
    who = tokens.verify(first)
    assert (who.role, who.organisation, who.panel_id, who.name) == ("referrer", "Model NHS Trust", None, "New Visitor")
    user, lines = _accounts(platform, email)
    assert (user.role, user.managed_by, user.disabled) == ("referrer", "provider", False)
    assert lines == ["add-user: from the council's provider: role referrer"]

    provider.person["groups"] = ["grp-health-visitors", "grp-chairs"]  # the chairs' entry comes first
    with _browser(platform) as browser:
        assert _through_the_provider(browser).status_code == 303
        chair = tokens.verify(browser.cookies["fd_session"])
    assert (chair.role, chair.panel_id) == ("panel-chair", "demo-early-years-panel")
    assert _accounts(platform, email)[1][-1] == "change-role: from the council's provider: role referrer to panel-chair"
    with _browser(platform) as old:  # the referrer's session ended with the role
        old.cookies.set("fd_session", first)
        assert old.get("/concerns").status_code == 303

    provider.person["groups"] = ["grp-other"]  # taken out of every group Front Door knows
    with _browser(platform) as browser:
        refused = _through_the_provider(browser)
        assert refused.status_code == 403
        assert "gives you no role in Front Door" in refused.text
        assert "fd_session" not in browser.cookies

    provider.person["groups"] = ["grp-health-visitors"]
    monkeypatch.setenv("DATABASE_URL", platform.database_url)
    assert CliRunner().invoke(app, ["accounts", "disable-user", "--email", email]).exit_code == 0
    with _browser(platform) as browser:  # the council stopped the account: the directory does not restart it
        assert _through_the_provider(browser).status_code == 403
    listed = CliRunner().invoke(app, ["accounts", "list"], env={"COLUMNS": "300"})
    assert "council's directory" in listed.output

    demo = platform.seed_demo()["users"]["health-visitor"]  # added by hand: kept as the council set it
    provider.person = {"email": demo["email"], "email_verified": True, "groups": ["grp-chairs"]}
    with _browser(platform) as browser:
        assert _through_the_provider(browser).status_code == 303
        assert tokens.verify(browser.cookies["fd_session"]).role == "referrer"


def test_a_council_can_turn_front_door_passwords_off(platform, provider) -> None:  # type: ignore[no-untyped-def]
    demo = platform.seed_demo()["users"]["health-visitor"]
    platform.stop_service("intake")
    platform.start_service("intake", **_oidc_env(provider, INTAKE_PASSWORD_SIGN_IN="false"))
    platform.wait_healthy("intake")
    with _browser(platform) as browser:
        page = browser.get("/sign-in")
        assert 'type="password"' not in page.text
        refused = browser.post("/sign-in", data={"email": demo["email"], "password": demo["password"],
                                                 "csrf_token": browser.cookies["fd_csrf"], "next": "/concerns"})
        assert refused.status_code == 403
        assert "Front Door passwords are not used here" in refused.text
        assert "fd_session" not in browser.cookies
        provider.person = {"email": demo["email"], "email_verified": True}
        assert _through_the_provider(browser).status_code == 303
