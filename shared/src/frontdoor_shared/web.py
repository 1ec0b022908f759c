"""FastAPI plumbing every service's HTTP side shares: who is asking, and refusing clearly."""

from __future__ import annotations

import hmac
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Annotated

import sqlalchemy.exc
from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from frontdoor_shared.auth import SESSION_COOKIE, NotAuthenticated, Principal, Tokens
from frontdoor_shared.errors_classify import is_transient


def presented_token(request: Request) -> str | None:
    """The bearer token the request carries, or else the staff session cookie's."""
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else request.cookies.get(SESSION_COOKIE)


def principal_dependency(tokens: Tokens) -> Callable[[Request], Principal]:
    """A dependency that reads a bearer token, or the staff session cookie, or refuses with 401."""

    def current(request: Request) -> Principal:
        token = presented_token(request)
        if not token:
            raise HTTPException(401, detail="sign in, or send a bearer token",
                                headers={"WWW-Authenticate": 'Bearer realm="frontdoor"'})
        try:
            return tokens.verify(token)
        except NotAuthenticated as err:
            raise HTTPException(401, detail=str(err),
                                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None

    return current


def refuse_unless(allowed: bool, *, hide: bool = False) -> None:
    """403 when refused; 404 when even the object's existence must not be revealed."""
    if not allowed:
        if hide:
            raise HTTPException(404, detail="not found")
        raise HTTPException(403, detail="your role does not allow this")


CurrentPrincipal = Annotated[Principal, Depends]


CSRF_COOKIE = "fd_csrf"
# while a member of staff signs in at the council's OpenID provider: the flow's state (intake)
OIDC_FLOW_COOKIE = "fd_oidc"
OIDC_FLOW_MINUTES = 10

# (method, path prefix) -> (failed attempts, per seconds), per client address: guessing passwords,
# client secrets or family links gets slow, while people who get it right are never held up.
# Per process; a production gateway should limit as well.
DEFAULT_RATE_LIMITS: dict[tuple[str, str], tuple[int, float]] = {
    ("POST", "/sign-in"): (10, 60.0),
    ("POST", "/oauth/token"): (10, 60.0),
    ("GET", "/status/"): (20, 60.0),
}


class RateLimiter:
    """A sliding window of failed attempts per (client, rule)."""

    def __init__(self, rules: dict[tuple[str, str], tuple[int, float]], clock: Callable[[], float] = time.monotonic
                 ) -> None:
        self._rules = rules
        self._clock = clock
        self._failures: dict[tuple[str, str, str], deque[float]] = defaultdict(deque)

    def _rule(self, method: str, path: str) -> tuple[tuple[str, str], int, float] | None:
        for (rule_method, prefix), (limit, window) in self._rules.items():
            if method == rule_method and path.startswith(prefix):
                return (rule_method, prefix), limit, window
        return None

    def retry_after(self, method: str, path: str, client: str) -> float | None:
        """None when the request may go ahead; otherwise seconds until it may."""
        found = self._rule(method, path)
        if found is None:
            return None
        (rule_method, prefix), limit, window = found
        now, failures = self._clock(), self._failures[(client, rule_method, prefix)]
        while failures and failures[0] <= now - window:
            failures.popleft()
        return max(0.0, failures[0] + window - now) if len(failures) >= limit else None

    def failed(self, method: str, path: str, client: str) -> None:
        found = self._rule(method, path)
        if found is not None:
            self._failures[(client, *found[0])].append(self._clock())


def harden(app: FastAPI, *, production: bool, max_body_bytes: int = 256 * 1024,
           form_targets: tuple[str, ...] = (),
           rate_limits: dict[tuple[str, str], tuple[int, float]] | None = None,
           too_large: Callable[[Request, int], Response | None] | None = None) -> None:
    """Security headers (a CSP with a per-request nonce, no unsafe-inline; frame-ancestors none;
    HSTS in production), a CSRF token cookie for forms, rate limits on failed attempts, and a
    request size limit (`too_large` may answer in a door's own format, e.g. FHIR's OperationOutcome)."""
    limiter = RateLimiter(DEFAULT_RATE_LIMITS if rate_limits is None else rate_limits)

    translate_outages(app)
    # a form may post (or, after signing in, be redirected) only here and to the listed services
    form_action = " ".join(["'self'", *form_targets])

    app.add_middleware(_Security, production=production, max_body_bytes=max_body_bytes,
                       form_action=form_action, limiter=limiter, too_large=too_large)


class _Security:
    """The middleware `harden` installs, as plain ASGI: Starlette's BaseHTTPMiddleware (what
    `@app.middleware("http")` builds) costs a task and a stream per request, ~10% of a request."""

    def __init__(self, app: ASGIApp, *, production: bool, max_body_bytes: int, form_action: str,
                 limiter: RateLimiter, too_large: Callable[[Request, int], Response | None] | None) -> None:
        self.app, self.production, self.max_body_bytes = app, production, max_body_bytes
        self.form_action, self.limiter, self.too_large = form_action, limiter, too_large

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refusal = self._refusal(request)
        if refusal is not None:
            await refusal(scope, receive, self._with_headers(request, send, new_csrf=None))
            return
        request.state.csp_nonce = secrets.token_urlsafe(16)
        existing = request.cookies.get(CSRF_COOKIE)
        request.state.csrf_token = existing or secrets.token_urlsafe(32)
        await self.app(scope, receive, self._with_headers(request, send,
                                                          new_csrf=None if existing else request.state.csrf_token))

    def _refusal(self, request: Request) -> Response | None:
        length = request.headers.get("content-length")
        if length and (not length.isdigit() or int(length) > self.max_body_bytes):
            own = self.too_large(request, self.max_body_bytes) if self.too_large else None
            return own if own is not None else JSONResponse(status_code=413, content={"errors": [
                {"field": "(body)", "reason": f"the request body is over {self.max_body_bytes} bytes"}]})
        wait = self.limiter.retry_after(request.method, request.url.path, _client(request))
        if wait is not None:
            return JSONResponse(status_code=429, headers={"Retry-After": str(int(wait) + 1)}, content={
                "title": "Too many attempts", "detail": "wait a minute, then try again"})
        return None

    def _with_headers(self, request: Request, send: Send, *, new_csrf: str | None) -> Send:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                if message["status"] in (400, 401, 403, 404):
                    self.limiter.failed(request.method, request.url.path, _client(request))
                headers = MutableHeaders(scope=message)
                nonce = getattr(request.state, "csp_nonce", "")
                script = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
                headers["Content-Security-Policy"] = (
                    "default-src 'self'; "
                    f"script-src {script}; style-src 'self'; img-src 'self' data:; "
                    f"font-src 'self'; connect-src 'self'; form-action {self.form_action}; base-uri 'none'; "
                    "frame-ancestors 'none'; object-src 'none'")
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"
                headers["Referrer-Policy"] = "no-referrer"
                if "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
                if self.production:
                    headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
                # the token is for forms: only a page carries it (an API's JSON answer to a client
                # with no cookie jar went out with a fresh cookie every time, built at ~30 us each)
                if new_csrf is not None and headers.get("content-type", "").startswith("text/html"):
                    cookie = Response()
                    cookie.set_cookie(CSRF_COOKIE, new_csrf, httponly=True, samesite="strict",
                                      secure=self.production, path="/")
                    headers.append("set-cookie", cookie.headers["set-cookie"])
            await send(message)

        return sending


def _client(request: Request) -> str:
    return request.client.host if request.client else "-"


async def _unavailable(_: Request, exc: Exception) -> JSONResponse:
    if not is_transient(exc):
        raise exc
    return JSONResponse(status_code=503, headers={"Retry-After": "5"}, content={
        "title": "Front Door is briefly unavailable", "detail": "nothing was saved; please try again shortly"})


def translate_outages(app: FastAPI) -> None:
    """The database or broker being down is a 503 with Retry-After, not a 500."""
    for exc in (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError, sqlalchemy.exc.DBAPIError,
                OSError, TimeoutError):
        app.add_exception_handler(exc, _unavailable)


def verify_csrf(request: Request, submitted: str | None) -> None:
    """Double-submit check for HTML forms: the hidden field must match the cookie."""
    expected = request.cookies.get(CSRF_COOKIE)
    if not expected or not submitted or not hmac.compare_digest(expected, submitted):
        raise HTTPException(403, detail="the form has expired: go back, reload the page and try again")


def set_session(response: Response, token: str, *, production: bool, minutes: int) -> None:
    response.set_cookie(SESSION_COOKIE, token, httponly=True, secure=production, samesite="lax",
                        max_age=minutes * 60, path="/")
