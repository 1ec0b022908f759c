"""Failed sign-ins, token requests and family-link guesses are rate limited per client; people who
get it right, and other routes, are never held up."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient

from frontdoor_shared.web import RateLimiter, harden


def _app() -> TestClient:
    app = FastAPI()
    harden(app, production=False, rate_limits={("POST", "/sign-in"): (3, 60.0)})

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
