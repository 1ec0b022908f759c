"""Intake's process: FastAPI (API, later the form and FHIR) with consumers and relay in its lifespan."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import typer
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from frontdoor_shared import govuk
from frontdoor_shared.db import make_engine
from frontdoor_shared.metrics import Metrics, serve_metrics
from frontdoor_shared.service_main import service_cli
from frontdoor_shared.web import harden
from intake.bootstrap import Intake
from intake.config import IntakeSettings
from intake.entrypoints import api, auth_routes, fhir, fhir_followup, oidc_sign_in, team_answer, web
from intake.entrypoints.errors import on_request_validation
from intake.service_layer.accounts import seed_demo

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    intake = Intake(settings or IntakeSettings())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await intake.runtime.start()
        stop = asyncio.Event()
        watcher = asyncio.create_task(intake.watch(stop), name="watchdog")
        try:
            yield
        finally:
            stop.set()
            await watcher
            await intake.runtime.stop()

    app = FastAPI(title="Front Door intake", version="1.0.0", lifespan=lifespan,
                  description="The single front door for early concerns about a child's SEND.")
    app.state.intake = intake
    app.state.templates = govuk.templates(TEMPLATES, council=govuk.Council.of(intake.settings))
    app.state.templates.env.globals["account_url"] = "/account/password"  # staff change their own password here
    app.add_exception_handler(RequestValidationError, on_request_validation)
    app.include_router(api.router)
    app.include_router(auth_routes.router)
    oidc_sign_in.install(app, intake.settings, production=intake.auth_production)
    app.include_router(web.router)
    app.include_router(team_answer.router)
    app.include_router(fhir.router)
    app.include_router(fhir_followup.router)
    app.include_router(govuk.about_pages(web.SERVICE))
    govuk.mount_assets(app)
    harden(app, production=intake.auth_production, max_body_bytes=intake.settings.max_body_bytes,
           form_targets=tuple(intake.settings.sign_in_return_urls), too_large=fhir.too_large)

    serve_metrics(app, Metrics(intake.runtime, counters=intake.watchdog.metrics), intake.settings.metrics_token)

    @app.get("/health", tags=["ops"])
    async def health() -> dict[str, Any]:
        return await intake.runtime.health()

    return app


cli = service_cli(service="intake", schema="intake", migrations_dir=MIGRATIONS, default_port=8000,
                  settings=IntakeSettings, create_app=create_app)


@cli.command("seed-demo")
def seed_demo_command(out: Path = typer.Option(..., help="Where to write the credentials (mode 0600)")) -> None:
    """Create the demo council: one user per role and one partner client."""
    settings = IntakeSettings()
    engine = make_engine(settings.database_url.get_secret_value(), pool_size=1)

    async def run() -> None:
        try:
            await seed_demo(engine, out, f"{settings.public_base_url}/oauth/token")
        finally:
            await engine.dispose()

    asyncio.run(run())
    typer.echo(f"demo credentials written to {out}")


def main() -> None:
    cli()
