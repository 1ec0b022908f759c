"""The GOV.UK Design System for every service's pages: govuk-frontend-jinja's macros, the
vendored govuk-frontend assets (MIT licence, see static/LICENSE*), and a shared base layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape

HERE = Path(__file__).resolve().parent


def templates(service_templates: Path) -> Jinja2Templates:
    env = Environment(
        loader=ChoiceLoader([
            FileSystemLoader(service_templates),
            FileSystemLoader(HERE / "templates"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates")}),
        ]),
        autoescape=select_autoescape(["html"]),
    )
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
