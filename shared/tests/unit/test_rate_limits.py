"""Failed sign-ins, token requests and family-link guesses are rate limited per client; people who
get it right, and other routes, are never held up."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient

from frontdoor_shared.web import CSRF_COOKIE, RateLimiter, harden


def _app() -> TestClient:
    app = FastAPI()
    harden(app, production=False, rate_limits={("POST", "/sign-in"): (3, 60.0)})

    @app.get("/form", response_class=HTMLResponse)
    async def form() -> str:
        return "<form method='post'></form>"

    @app.post("/sign-in")
    async def sign_in(password: str = "") -> dict[str, str]:
        if password != "right":
            raise HTTPException(400, "wrong")
        return {"ok": "yes"}

    @app.post("/api/v1/concerns")
    async def concerns() -> dict[str, str]:
        raise HTTPException(400, "bad")

    return TestClient(app)


def test_the_fourth_failed_sign_in_within_a_minute_is_refused_with_retry_after() -> None:
    client = _app()
    codes = [client.post("/sign-in?password=guess").status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]
    refused = client.post("/sign-in?password=right")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1


def test_successful_sign_ins_are_never_held_up() -> None:
    client = _app()
    assert {client.post("/sign-in?password=right").status_code for _ in range(10)} == {200}


def test_routes_without_a_rule_are_not_limited() -> None:
    client = _app()
    assert {client.post("/api/v1/concerns").status_code for _ in range(10)} == {400}


def test_the_window_slides_per_client() -> None:
    now = [0.0]
    limiter = RateLimiter({("GET", "/status/"): (2, 60.0)}, clock=lambda: now[0])
    for _ in range(2):
        assert limiter.retry_after("GET", "/status/abc", "a") is None
        limiter.failed("GET", "/status/abc", "a")
    assert limiter.retry_after("GET", "/status/abc", "a") == 60.0
    assert limiter.retry_after("GET", "/status/abc", "b") is None  # another client
    now[0] = 61.0
    assert limiter.retry_after("GET", "/status/abc", "a") is None


def test_refusals_carry_the_security_headers_too() -> None:
    client = _app()
    for _ in range(3):
        client.post("/sign-in?password=guess")
    refused = client.post("/sign-in?password=guess")
    too_big = client.post("/api/v1/concerns", content=b"x" * (256 * 1024 + 1))

    for response, status in ((refused, 429), (too_big, 413)):
        assert response.status_code == status
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "unsafe-inline" not in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"


def test_a_page_gets_a_fresh_nonce_and_one_csrf_cookie() -> None:
    client = _app()
    first = client.get("/form")
    second = client.get("/form")

    nonces = [r.headers["content-security-policy"].split("'nonce-")[1].split("'")[0] for r in (first, second)]
    assert nonces[0] != nonces[1]
    assert first.headers["set-cookie"].startswith(f"{CSRF_COOKIE}=")
    assert "HttpOnly" in first.headers["set-cookie"]
    assert "SameSite=strict" in first.headers["set-cookie"]
    assert "set-cookie" not in second.headers  # the cookie is kept, not reissued


def test_an_api_answer_carries_no_csrf_cookie() -> None:
    """Forms need the token; a partner's JSON call (no cookie jar) is not handed one every time."""
    client = _app()
    answer = client.post("/sign-in?password=right")
    assert answer.status_code == 200
    assert "set-cookie" not in answer.headers
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert client.get("/form").headers["set-cookie"].startswith(f"{CSRF_COOKIE}=")
