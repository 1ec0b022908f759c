"""Signing in: staff through a form (session cookie), partner systems through OAuth2 client
credentials (`POST /oauth/token`, HTTP Basic or form body), answered with a bearer JWT; and a
member of staff changing their own password (`/account/password`)."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import time
from typing import Annotated, Any
from urllib.parse import urlencode

import structlog
from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from frontdoor_shared.auth import SESSION_COOKIE, NotAuthenticated, Principal, Tokens
from frontdoor_shared.errors_classify import is_transient
from frontdoor_shared.govuk import page_context, templates_of
from frontdoor_shared.web import set_session, verify_csrf
from intake.entrypoints.errors import OAuthError, Problem, problem_responses
from intake.entrypoints.oidc_sign_in import forget_hint, sign_out_there
from intake.service_layer.accounts import (
    MIN_PASSWORD,
    authenticate_client,
    authenticate_user,
    change_password,
    end_session,
)

router = APIRouter(tags=["authentication"])
log = structlog.get_logger()


def _basic(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, secret


def _oauth_error(code: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": code, "error_description": description},
                        headers={"Cache-Control": "no-store"})


class TokenOut(BaseModel):
    access_token: str
    token_type: str
    expires_in: int
    scope: str


@router.post("/oauth/token", summary="OAuth2 client credentials: a bearer token for a partner system",
             response_model=TokenOut, responses={
                 # a body that is not a form at all is refused before the endpoint, as a Problem
                 **problem_responses(400, model=OAuthError | Problem), **problem_responses(401, model=OAuthError),
                 **problem_responses(413, 422, 429)})
async def token(request: Request, grant_type: Annotated[str, Form()] = "",
                scope: Annotated[str, Form()] = "", client_id: Annotated[str, Form()] = "",
                client_secret: Annotated[str, Form()] = "") -> Any:
    if grant_type != "client_credentials":
        return _oauth_error("unsupported_grant_type", "grant_type must be client_credentials")
    cid, secret = _basic(request) or (client_id, client_secret)
    if not cid or not secret:
        return _oauth_error("invalid_client", "send client_id and client_secret (HTTP Basic or form)", 401)
    app = request.app.state.intake
    principal = await authenticate_client(app.runtime.engine, cid, secret, set(scope.split()))
    if principal is None:
        return _oauth_error("invalid_client", "unknown client, wrong secret, or a scope not granted", 401)
    minutes = app.tokens.settings.token_minutes
    return JSONResponse({"access_token": app.tokens.issue(principal), "token_type": "Bearer",
                         "expires_in": minutes * 60, "scope": " ".join(sorted(principal.scopes))},
                        headers={"Cache-Control": "no-store"})


def sign_in_page(request: Request, *, next: str, email: str = "", errors: list[dict[str, str]] | None = None,
                 field_errors: dict[str, str] | None = None, status: int = 200) -> Response:
    """The sign-in page: the council's provider's button (when one is set), the password form
    (unless INTAKE_PASSWORD_SIGN_IN=false)."""
    settings = request.app.state.intake.settings
    oidc = getattr(request.app.state, "oidc", None)
    return templates_of(request).TemplateResponse(request, "sign_in.html", page_context(
        request, title="Sign in", service_name="Submit a concern", next=next, email=email, errors=errors or [],
        field_errors=field_errors or {}, oidc_button=settings.oidc_button if oidc is not None else None,
        oidc_url="/sign-in/oidc?" + urlencode({"next": next}), passwords=settings.password_sign_in),
        status_code=status)


@router.get("/sign-in", include_in_schema=False)
async def sign_in_form(request: Request, next: str = "/concerns") -> Response:
    return sign_in_page(request, next=safe_next(next, _allowed(request)))


def safe_next(target: str, allowed: tuple[str, ...] = ()) -> str:
    """Only our own paths, or the other Front Door services' pages (INTAKE_SIGN_IN_RETURN_URLS)."""
    if target.startswith("/") and not target.startswith("//"):
        return target
    if any(target.startswith(base.rstrip("/") + "/") for base in allowed):
        return target
    return "/concerns"


def _allowed(request: Request) -> tuple[str, ...]:
    return tuple(request.app.state.intake.settings.sign_in_return_urls)


@router.post("/sign-in", include_in_schema=False)
async def sign_in(request: Request, email: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
                  csrf_token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/concerns") -> Response:
    verify_csrf(request, csrf_token)
    app = request.app.state.intake
    if not app.settings.password_sign_in:  # the council's provider only (its MFA and policies)
        return sign_in_page(request, next=safe_next(next, _allowed(request)), status=403, errors=[
            {"text": "Sign in with your council account: Front Door passwords are not used here",
             "href": "#oidc-sign-in"}])
    field_errors = {}
    if not email.strip():
        field_errors["email"] = "Enter your email address"
    if not password:
        field_errors["password"] = "Enter your password"  # noqa: S105 - a message, not a secret
    principal = None if field_errors else await authenticate_user(app.runtime.engine, email, password)
    if principal is None:
        field_errors = field_errors or {"email": "Enter the email address and password of your account"}
        errors = [{"text": text, "href": f"#{name}"} for name, text in field_errors.items()]
        return sign_in_page(request, next=safe_next(next, _allowed(request)), email=email, errors=errors,
                            field_errors=field_errors, status=400)
    # a password the council printed for them: changing it comes first
    target = "/account/password" if principal.must_change_password else safe_next(next, _allowed(request))
    response = RedirectResponse(target, status_code=303)
    minutes = app.tokens.settings.token_minutes
    set_session(response, app.tokens.issue(principal, minutes), production=app.auth_production, minutes=minutes)
    return response


@router.post("/sign-out", include_in_schema=False)
async def sign_out(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    """The session ends on every service, not only the cookie in this browser (a copy of it, or a
    token taken from it, is refused from then on)."""
    verify_csrf(request, csrf_token)
    app = request.app.state.intake
    token = request.cookies.get(SESSION_COOKIE)
    try:
        principal = app.tokens.verify(token, changing_password=True) if token else None
    except NotAuthenticated:
        principal = None  # already ended, expired or not ours: nothing to end
    if principal is not None:
        try:
            await end_session(app.runtime.engine, principal, here=app.tokens.revocations)
        except Exception as err:  # the database away: this intake refuses it; the cookie goes regardless
            if not is_transient(err):
                raise
            log.warning("sign_out.not_published", error=type(err).__name__)
            app.tokens.revocations.end_here(principal)
    # and at the council's provider, where the session began there (else the next person at this
    # computer would be let in as this one by the provider's own session)
    response = RedirectResponse(await sign_out_there(request) or "/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    forget_hint(response)
    return response


@router.get("/sign-out/provider", include_in_schema=False)
async def sign_out_at_provider(request: Request) -> Response:
    """After signing out on another Front Door service (the panel's pages end the session through
    `DELETE /api/v1/session`), the link on its signed-out page ends the council provider's session
    too, as signing out here does. It acts only once the Front Door session has ended: a page
    elsewhere cannot use it to end a live one's provider session."""
    app = request.app.state.intake
    token = request.cookies.get(SESSION_COOKIE)
    try:
        live = bool(token) and app.tokens.verify(token, changing_password=True) is not None
    except NotAuthenticated:
        live = False
    response = RedirectResponse("/concerns" if live else (await sign_out_there(request) or "/sign-in"),
                                status_code=303)
    if not live:
        forget_hint(response)
    return response


def _staff(request: Request) -> Principal | Response:
    """The signed-in member of staff, or off to sign in and back."""
    token = request.cookies.get(SESSION_COOKIE)
    tokens: Tokens = request.app.state.intake.tokens
    try:
        principal = tokens.verify(token, changing_password=True) if token else None
    except NotAuthenticated:
        principal = None
    if principal is None or principal.kind != "staff":
        return RedirectResponse("/sign-in?next=/account/password", status_code=303)
    return principal


def _password_page(request: Request, principal: Principal, *, field_errors: dict[str, str] | None = None,
                   changed: bool = False) -> Response:
    field_errors = field_errors or {}
    errors = [{"text": text, "href": f"#{name}"} for name, text in field_errors.items()]
    return templates_of(request).TemplateResponse(request, "account_password.html", page_context(
        request, title="Change your password", service_name="Submit a concern", principal=principal,
        home_url="/concerns", errors=errors, field_errors=field_errors, changed=changed,
        min_length=MIN_PASSWORD, first=principal.must_change_password), status_code=400 if errors else 200)


@router.get("/account/password", include_in_schema=False)
async def password_page(request: Request) -> Response:
    principal = _staff(request)
    return principal if isinstance(principal, Response) else _password_page(request, principal)


@router.post("/account/password", include_in_schema=False)
async def change_password_form(request: Request, current: Annotated[str, Form()] = "",
                               new: Annotated[str, Form()] = "", confirm: Annotated[str, Form()] = "",
                               csrf_token: Annotated[str, Form()] = "") -> Response:
    verify_csrf(request, csrf_token)
    principal = _staff(request)
    if isinstance(principal, Response):
        return principal
    app = request.app.state.intake
    at = time.time()  # every session of theirs issued before now ends; this one goes on, in a new token
    problems = await change_password(app.runtime.engine, principal.subject, current, new, confirm, at=at,
                                     here=app.tokens.revocations)
    if problems:
        return _password_page(request, principal, field_errors=problems)
    principal = dataclasses.replace(principal, must_change_password=False)
    response = _password_page(request, principal, changed=True)
    minutes = app.tokens.settings.token_minutes  # a session without the pending change
    set_session(response, app.tokens.issue(principal, minutes, at=at), production=app.auth_production,
                minutes=minutes)
    return response
