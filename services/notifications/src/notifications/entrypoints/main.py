"""Notifications' process: consumers, relay, and the dev mailbox (a web page of every message)."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from frontdoor_shared.service_main import service_cli

from notifications.adapters.repository import MessageRepository
from notifications.bootstrap import Notifications
from notifications.config import NotificationsSettings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    svc = Notifications(settings or NotificationsSettings())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await svc.runtime.start()
        try:
            yield
        finally:
            await svc.runtime.stop()

    app = FastAPI(title="Front Door notifications", version="1.0.0", lifespan=lifespan)

    async def messages(reference: str | None) -> list[Any]:
        async with svc.runtime.engine.connect() as conn:
            return await MessageRepository(conn).mailbox(reference)

    if svc.settings.environment == "development":
        @app.get("/api/v1/dev/mailbox", tags=["dev"])
        async def mailbox_json(reference: str | None = None) -> list[dict[str, Any]]:
            """Every message the dev mailbox holds (development stack only)."""
            return [{"id": str(m.id), "reference": m.reference, "audience": m.audience,
                     "to": m.to_address, "template": m.template, "subject": m.subject,
                     "body": m.body, "status": m.status, "about": m.about_event_type,
                     "sent_at": m.sent_at.isoformat() if m.sent_at else None}
                    for m in await messages(reference)]

        @app.get("/dev/mailbox", response_class=HTMLResponse, tags=["dev"])
        async def mailbox_page(reference: str | None = None) -> str:
            rows = "".join(
                f"<article class='govuk-!-margin-bottom-6'><h2 class='govuk-heading-s'>"
                f"{html.escape(m.subject)}</h2><p class='govuk-body-s'>To {html.escape(m.to_address)}"
                f" &middot; {m.sent_at:%d %b %Y %H:%M:%S}</p><pre>{html.escape(m.body)}</pre></article>"
                for m in await messages(reference))
            return (f"<!doctype html><html lang='en'><head><title>Dev mailbox</title></head><body>"
                    f"<main><h1>Dev mailbox</h1>{rows or '<p>No messages yet.</p>'}</main></body></html>")

    @app.get("/health", tags=["ops"])
    async def health() -> dict[str, Any]:
        return await svc.runtime.health()

    return app


cli = service_cli(service="notifications", schema="notifications", migrations_dir=MIGRATIONS,
                  default_port=8003, settings=NotificationsSettings, create_app=create_app)


def main() -> None:
    cli()
