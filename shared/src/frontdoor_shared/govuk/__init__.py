"""The GOV.UK Design System for every service's pages: govuk-frontend-jinja's macros, the
vendored govuk-frontend stylesheet and script (MIT licence; the stylesheet built for a service not
on GOV.UK by `make govuk-assets`: Arial, not the GDS Transport typeface that is GOV.UK's alone), and
a shared base layout with the council's own footer and icon (no crown, no Royal Arms, no Crown
copyright: a council's service is not a Crown body's)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape

HERE = Path(__file__).resolve().parent


DEFAULT_COUNCIL = "Front Door Model Council"


def templates(service_templates: Path, *, council_name: str = DEFAULT_COUNCIL) -> Jinja2Templates:
    """The service's page templates over the shared layout; `council_name` is named in every footer."""
    env = Environment(
        loader=ChoiceLoader([
            FileSystemLoader(service_templates),
            FileSystemLoader(HERE / "templates"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates")}),
        ]),
        autoescape=select_autoescape(["html"]),
    )
    env.globals["council_name"] = council_name
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
