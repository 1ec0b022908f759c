"""What every panel page shares: who is signed in, what they may do, and rendering or refusing."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit, urlunsplit

from fastapi import Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from early_years.bootstrap import EarlyYears
from frontdoor_shared import govuk
from frontdoor_shared.access import Resource, can_decide_on_panel, can_read_panel_case
from frontdoor_shared.auth import Principal
from frontdoor_shared.web import principal_dependency, verify_csrf

PAGES = Path(__file__).resolve().parent.parent / "templates"
SERVICE_NAME = "Early years inclusion panel"


class SignInRequired(Exception):
    """No valid session: send the browser to intake's sign-in, to come back here after."""


class PageRefused(Exception):
    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


NOT_FOUND = (404, "Page not found", "There is no such case on your panel. Check the link, or go back to the agenda.")


def service_of(request: Request) -> EarlyYears:
    return request.app.state.early_years  # type: ignore[no-any-return]


async def signed_in(request: Request) -> Principal:
    try:
        return principal_dependency(service_of(request).tokens)(request)
    except HTTPException:
        raise SignInRequired from None


Staff = Annotated[Principal, Depends(signed_in)]


def sign_in_link(request: Request, path: str) -> str:
    svc = service_of(request)
    back = svc.settings.public_base_url.rstrip("/") + path
    return f"{svc.settings.sign_in_url}?next={quote(back, safe='')}"


def signed_out_page(request: Request, title: str, message: str, status: int, *, signed_out: bool = False) -> Response:
    """A page with a link to sign in: after a form, a redirect to another origin would break the
    pages' CSP (form-action 'self'), so a person follows a link instead."""
    return render(request, "signed_out.html", principal=None, title=title, message=message, status=status,
                  sign_in_link=sign_in_link(request, "/panel"),
                  provider_sign_out=provider_sign_out_link(service_of(request).settings.sign_in_url) if signed_out
                  else None)


def provider_sign_out_link(sign_in_url: str) -> str:
    """Intake's link that ends the council provider's session once Front Door's has ended (beside
    its sign-in page)."""
    scheme, netloc, *_ = urlsplit(sign_in_url)
    return urlunsplit((scheme, netloc, "/sign-out/provider", "", ""))


def member_panel(principal: Principal, svc: EarlyYears) -> str:
    """The panel whose pages this member may see: their own, when this service runs it."""
    panel = principal.panel_id or (svc.panel.id if principal.role == "council-admin" else None)
    if panel != svc.panel.id or not can_read_panel_case(principal, Resource(panel_id=panel)):
        raise PageRefused(403, "You cannot see this panel",
                          "These pages are for the members of the early years inclusion panel.")
    return panel


def require_readable(principal: Principal, panel_id: str | None) -> None:
    """Another panel's case looks exactly like no case at all."""
    if panel_id is None or not can_read_panel_case(principal, Resource(panel_id=panel_id)):
        raise PageRefused(*NOT_FOUND)


def require_chair(principal: Principal, panel_id: str, doing: str) -> None:
    if not can_decide_on_panel(principal, Resource(panel_id=panel_id)):
        raise PageRefused(403, "Only the chair can do this", f"Only the panel's chair can {doing}. "
                          "Ask the chair, or go back to the agenda.")


def case_uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise PageRefused(*NOT_FOUND) from None


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token matched the cookie."""
    form = await request.form()
    token = form.get("csrf_token")
    try:
        verify_csrf(request, token if isinstance(token, str) else None)
    except HTTPException:
        raise PageRefused(403, "The form has expired",
                          "Go back, reload the page and try again.") from None
    return form


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def render(request: Request, template: str, *, principal: Principal | None, title: str, status: int = 200,
           **values: Any) -> Response:
    context = govuk.page_context(request, title=title, service_name=SERVICE_NAME, home_url="/panel",
                                 sign_out_url="/sign-out", principal=principal, **values)
    context["cspNonce"] = context["csp_nonce"]  # the GOV.UK template's own inline script needs it
    return govuk.templates_of(request).TemplateResponse(request, template, context, status_code=status)


def on_page_refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageRefused)
    return render(request, "error.html", principal=None, title=exc.title, status=exc.status,
                  message=exc.message)


def on_sign_in_required(request: Request, exc: Exception) -> Response:
    """Back to this page after signing in at intake; a form posted without a session gets a link."""
    if request.method != "GET":
        return signed_out_page(request, "Sign in again", "Your session has ended, so nothing was saved. "
                               "Sign in again, then try once more.", status=401)
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(sign_in_link(request, path), status_code=303)
