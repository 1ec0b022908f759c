"""Staff sign in with the council's own accounts: OpenID Connect, authorization code flow with PKCE
(Authlib), where `INTAKE_OIDC_DISCOVERY_URL` names the council's provider (Entra ID, Google
Workspace, Okta, Keycloak...).

The provider vouches for who the person is (its passwords, multi-factor authentication and
policies; the ID token's signature, issuer, audience, expiry and nonce are checked); Front Door
decides what they may do: their account here (`frontdoor accounts add-user`: role, organisation,
panel) is found by the email address the provider gives, and must not be disabled. Then the
session is Front Door's own, exactly as after a password sign-in (every service verifies it, and
it ends as any other does). The flow's state, nonce and PKCE verifier wait in a signed cookie
(`fd_oidc`, ten minutes, this flow only).

Signing out of Front Door signs out at the provider too (OpenID Connect RP-Initiated Logout), where
it offers that (`end_session_endpoint`): otherwise, on a shared computer, the next person to press
the button would be let in as the last one, by the provider's own session. The ID token it gave
is kept for that alone, in a cookie sent only to `/sign-out` (`fd_idp_hint`), and passed back as
`id_token_hint`.
"""

from __future__ import annotations

import warnings
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
import structlog
from authlib.common.errors import AuthlibBaseError
from authlib.deprecate import AuthlibDeprecationWarning

with warnings.catch_warnings():  # Authlib's notice, at import, that it will move to another HTTP client
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from joserfc.errors import JoseError
from starlette.middleware.sessions import SessionMiddleware

from frontdoor_shared.auth import AuthSettings
from frontdoor_shared.web import OIDC_FLOW_COOKIE, OIDC_FLOW_MINUTES, set_session
from intake.config import IntakeSettings
from intake.domain.provider_roles import BadRoleMap, ProviderRole, load_role_map, role_for
from intake.service_layer.accounts import AccountRefused, account_for_email, account_from_provider

router = APIRouter(tags=["authentication"])
HINT_COOKIE, HINT_PATH = "fd_idp_hint", "/sign-out"  # the provider's ID token, sent to sign-out alone
log = structlog.get_logger()

UNREACHABLE = "Your council's sign-in service could not be reached. Try again in a few minutes."
DID_NOT_WORK = "Signing in with your council account did not work. Try again."
NO_ACCOUNT = ("Front Door has no account for {email}, or it has been stopped, or your council's directory "
              "gives you no role in Front Door. Ask your council's Front Door administrator.")


def provider_of(settings: IntakeSettings) -> StarletteOAuth2App | None:
    """The council's provider as an OpenID Connect client, or None when none is configured."""
    if not settings.oidc_discovery_url or settings.oidc_client_secret is None:
        return None
    oauth = OAuth()
    oauth.register("council", server_metadata_url=settings.oidc_discovery_url, client_id=settings.oidc_client_id,
                   client_secret=settings.oidc_client_secret.get_secret_value(),
                   client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256",
                                  "timeout": 15})
    client = oauth.create_client("council")
    if not isinstance(client, StarletteOAuth2App):
        raise TypeError("Authlib gave no OpenID Connect client for the council's provider")
    return client


def roles_of(settings: IntakeSettings) -> tuple[ProviderRole, ...] | None:
    """The council's roles file, read and checked (start-up stops on a bad one, naming the entry)."""
    if settings.oidc_roles_file is None:
        return None
    try:
        return load_role_map(settings.oidc_roles_file.read_text())
    except (OSError, BadRoleMap) as err:
        raise ValueError(f"INTAKE_OIDC_ROLES_FILE {settings.oidc_roles_file}: {err}") from None


def install(app: FastAPI, settings: IntakeSettings, *, production: bool) -> None:
    """The routes, and the signed cookie that holds a flow's state (only when a provider is set)."""
    app.state.oidc = provider_of(settings)
    app.state.oidc_roles = roles_of(settings)
    if app.state.oidc is None:
        return
    app.add_middleware(SessionMiddleware, secret_key=AuthSettings().secret.get_secret_value(),
                       session_cookie=OIDC_FLOW_COOKIE, max_age=OIDC_FLOW_MINUTES * 60, same_site="lax",
                       https_only=production)
    app.include_router(router)


def _refused(request: Request, text: str, status: int) -> Response:
    from intake.entrypoints.auth_routes import sign_in_page

    return sign_in_page(request, next=request.session.pop("next", "/concerns"), errors=[
        {"text": text, "href": "#oidc-sign-in"}], status=status)


@router.get("/sign-in/oidc", include_in_schema=False)
async def start(request: Request, next: str = "/concerns") -> Response:
    """Off to the council's provider, to come back to `next`."""
    from intake.entrypoints.auth_routes import safe_next

    oidc: StarletteOAuth2App = request.app.state.oidc
    settings: IntakeSettings = request.app.state.intake.settings
    request.session.clear()  # a flow left unfinished is forgotten
    request.session["next"] = safe_next(next, tuple(settings.sign_in_return_urls))
    callback = settings.oidc_redirect_url or str(request.url_for("oidc_callback"))
    try:
        return await oidc.authorize_redirect(request, callback)  # type: ignore[no-any-return]
    except (httpx.HTTPError, AuthlibBaseError, ValueError) as err:  # its discovery document unreachable or unreadable
        log.warning("oidc.provider_unreachable", error=type(err).__name__)
        return _refused(request, UNREACHABLE, 503)


@router.get("/sign-in/oidc/callback", name="oidc_callback", include_in_schema=False)
async def callback(request: Request) -> Response:
    """Back from the provider: the code exchanged, the ID token checked, the account found."""
    oidc: StarletteOAuth2App = request.app.state.oidc
    app = request.app.state.intake
    try:
        token: dict[str, Any] = await oidc.authorize_access_token(request)
    except (AuthlibBaseError, JoseError) as err:
        # refused there, a state that is not this browser's, an ID token that fails a check
        # (signature, issuer, audience, expiry, nonce): the kind of failure only, never the token
        log.warning("oidc.sign_in_failed", error=getattr(err, "error", None) or type(err).__name__)
        return _refused(request, DID_NOT_WORK, 400)
    except (httpx.HTTPError, ValueError) as err:
        log.warning("oidc.provider_unreachable", error=type(err).__name__)
        return _refused(request, UNREACHABLE, 503)
    claims = token.get("userinfo") or {}
    email = claims.get(app.settings.oidc_email_claim)
    if not isinstance(email, str) or "@" not in email or claims.get("email_verified") is False:
        log.warning("oidc.no_verified_email", claim=app.settings.oidc_email_claim)
        return _refused(request, DID_NOT_WORK, 400)
    role_map = request.app.state.oidc_roles
    try:
        principal = (await account_for_email(app.runtime.engine, email) if role_map is None else
                     await account_from_provider(app.runtime.engine, email, str(claims.get("name") or ""),
                                                 role_for(claims.get(app.settings.oidc_roles_claim), role_map),
                                                 here=app.tokens.revocations))
    except AccountRefused:  # an address Front Door cannot keep as an account's
        log.warning("oidc.account_refused")
        return _refused(request, DID_NOT_WORK, 400)
    if principal is None:
        log.info("oidc.no_account")  # never the address: it is a person's contact detail
        return _refused(request, NO_ACCOUNT.format(email=email), 403)
    target = request.session.pop("next", "/concerns")
    request.session.clear()
    response = RedirectResponse(target, status_code=303)
    minutes = app.tokens.settings.token_minutes
    set_session(response, app.tokens.issue(principal, minutes), production=app.auth_production, minutes=minutes)
    if isinstance(token.get("id_token"), str):
        response.set_cookie(HINT_COOKIE, token["id_token"], httponly=True, secure=app.auth_production, samesite="lax",
                            max_age=minutes * 60, path=HINT_PATH)
    return response


def post_logout_url(request: Request, settings: IntakeSettings) -> str:
    """Where the provider sends someone back after signing them out: the sign-in page."""
    if settings.oidc_post_logout_url:
        return settings.oidc_post_logout_url
    if settings.oidc_redirect_url:  # behind a proxy: the callback's registered origin, not the request's
        scheme, netloc, *_ = urlsplit(settings.oidc_redirect_url)
        return urlunsplit((scheme, netloc, "/sign-in", "", ""))
    return str(request.url_for("sign_in_form"))


async def sign_out_there(request: Request) -> str | None:
    """Where to end the provider's session too, once Front Door's has ended: its end-session
    endpoint, when this session began there and the provider has one; else None."""
    hint = request.cookies.get(HINT_COOKIE)
    oidc: StarletteOAuth2App | None = getattr(request.app.state, "oidc", None)
    if not hint or oidc is None:
        return None
    try:
        end = (await oidc.load_server_metadata()).get("end_session_endpoint")
    except (httpx.HTTPError, AuthlibBaseError, ValueError) as err:  # signed out here; the provider unreachable
        log.warning("oidc.sign_out_not_sent", error=type(err).__name__)
        return None
    if not isinstance(end, str) or not end.startswith(("https://", "http://")):
        return None
    settings: IntakeSettings = request.app.state.intake.settings
    query = urlencode({"id_token_hint": hint, "client_id": settings.oidc_client_id,
                       "post_logout_redirect_uri": post_logout_url(request, settings)})
    return f"{end}{'&' if '?' in end else '?'}{query}"


def forget_hint(response: Response) -> None:
    response.delete_cookie(HINT_COOKIE, path=HINT_PATH)
