"""Notifications' process: consumers, relay, sender and reminders in the lifespan; the family
status page, Notify's receipts and (in development) the dev mailbox over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from frontdoor_shared import govuk
from frontdoor_shared.metrics import Metrics, serve_metrics
from frontdoor_shared.service_main import service_cli
from frontdoor_shared.web import harden
from notifications.adapters.readings import readings
from notifications.bootstrap import Notifications
from notifications.config import NotificationsSettings
from notifications.entrypoints import http_callbacks, http_dev, http_status

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
PAGES = Path(__file__).resolve().parent.parent / "pages"


def create_app(settings: NotificationsSettings | None = None, *, service: Notifications | None = None) -> FastAPI:
    svc = service or Notifications(settings or NotificationsSettings())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await svc.start()
        try:
            yield
        finally:
            await svc.stop()

    app = FastAPI(title="Front Door notifications", version="1.0.0", lifespan=lifespan,
                  description="Families and professionals always know where things stand.")
    app.state.notifications = svc
    app.state.templates = govuk.templates(PAGES, council=govuk.Council.of(svc.settings))
    app.include_router(http_status.router)
    app.include_router(http_callbacks.router)
    app.include_router(govuk.about_pages(http_status.SERVICE_NAME))
    if svc.settings.environment == "development":
        app.include_router(http_dev.router)
    govuk.mount_assets(app)
    harden(app, production=svc.settings.environment == "production")

    serve_metrics(app, Metrics(svc.runtime, readings=readings), svc.settings.metrics_token)

    @app.get("/health", tags=["ops"])
    async def health() -> Any:
        stopped = svc.stopped_loops()
        if stopped:
            return JSONResponse(status_code=503, content={"status": "failing", "stopped": stopped})
        return await svc.runtime.health()

    return app


cli = service_cli(service="notifications", schema="notifications", migrations_dir=MIGRATIONS,
                  default_port=8003, settings=NotificationsSettings, create_app=create_app)


def main() -> None:
    cli()
