"""The GOV.UK Design System for every service's pages: govuk-frontend-jinja's macros, the
vendored govuk-frontend stylesheet and script (MIT licence; the stylesheet built for a service not
on GOV.UK by `make govuk-assets`: Arial, not the GDS Transport typeface that is GOV.UK's alone), and
a shared base layout with the council's own footer and icon (no crown, no Royal Arms, no Crown
copyright: a council's service is not a Crown body's)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape

from frontdoor_shared.auth import SESSION_COOKIE, AuthSettings
from frontdoor_shared.contracts.common import NEED_NAMES, need_names
from frontdoor_shared.settings import ServiceSettings
from frontdoor_shared.web import CSRF_COOKIE, OIDC_FLOW_COOKIE, OIDC_FLOW_MINUTES

HERE = Path(__file__).resolve().parent
_FIELDS = ServiceSettings.model_fields


@dataclass(frozen=True)
class Council:
    """The council running the deployment, as its pages name it (`FRONTDOOR_COUNCIL_*`)."""

    name: str = _FIELDS["council_name"].default
    contact: str = _FIELDS["council_contact"].default
    dpo: str = _FIELDS["council_dpo"].default

    @classmethod
    def of(cls, settings: ServiceSettings) -> Council:
        return cls(settings.council_name, settings.council_contact, settings.council_dpo)


def templates(service_templates: Path, *, council: Council | None = None) -> Jinja2Templates:
    """The service's page templates over the shared layout; `council` is named in every footer and
    in the privacy notice, accessibility statement and cookies page (`about_pages`)."""
    env = Environment(
        loader=ChoiceLoader([
            FileSystemLoader(service_templates),
            FileSystemLoader(HERE / "templates"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates")}),
        ]),
        autoescape=select_autoescape(["html"]),
    )
    env.globals["council"] = council or Council()
    env.globals["need_choices"] = NEED_NAMES
    env.filters["need_names"] = need_names
    return Jinja2Templates(env=env)


def templates_of(request: Request) -> Jinja2Templates:
    """The templates the service's app keeps (`app.state.templates`, set from `templates` at start)."""
    found: Jinja2Templates = request.app.state.templates
    return found


def mount_assets(app: FastAPI) -> None:
    app.mount("/assets", StaticFiles(directory=HERE / "static"), name="assets")


def page_context(request: Request, **values: Any) -> dict[str, Any]:
    """What every page needs: the CSP nonce and the CSRF token set by the shared middleware."""
    nonce = getattr(request.state, "csp_nonce", "")
    return {"request": request, "csp_nonce": nonce, "cspNonce": nonce,
            "csrf_token": getattr(request.state, "csrf_token", ""), **values}


ABOUT = {"/privacy": ("privacy.html", "How we use information about your child"),
         "/accessibility": ("accessibility.html", "Accessibility statement"),
         "/cookies": ("cookies.html", "Cookies")}


def about_pages(service_name: str) -> APIRouter:
    """The privacy notice, the accessibility statement and the cookies page, linked from every
    page's footer: public, on each service that has pages, in the council's name."""
    router = APIRouter(include_in_schema=False)
    cookies = {"session_cookie": SESSION_COOKIE, "csrf_cookie": CSRF_COOKIE,
               "session_minutes": AuthSettings().token_minutes, "oidc_cookie": OIDC_FLOW_COOKIE,
               "oidc_minutes": OIDC_FLOW_MINUTES}

    def page(template: str, title: str) -> Any:
        async def show(request: Request) -> HTMLResponse:
            return templates_of(request).TemplateResponse(
                request, template, page_context(request, title=title, service_name=service_name, **cookies))
        return show

    for path, (template, title) in ABOUT.items():
        router.add_api_route(path, page(template, title), methods=["GET"], response_class=HTMLResponse)
    return router
