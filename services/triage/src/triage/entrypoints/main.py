"""Triage's process: consumers and relay, with a small HTTP interface for health."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from frontdoor_shared.metrics import Metrics, serve_metrics
from frontdoor_shared.service_main import service_cli
from triage.bootstrap import Triage
from triage.config import TriageSettings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def create_app(settings: TriageSettings | None = None) -> FastAPI:
    triage = Triage(settings or TriageSettings())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await triage.runtime.start()
        try:
            yield
        finally:
            await triage.runtime.stop()

    app = FastAPI(title="Front Door triage", version="1.0.0", lifespan=lifespan)
    app.state.triage = triage

    @app.get("/health", tags=["ops"])
    async def health() -> dict[str, Any]:
        return {**await triage.runtime.health(), "policy_version": triage.policies.current.version}

    serve_metrics(app, Metrics(triage.runtime), triage.settings.metrics_token)

    return app


cli = service_cli(service="triage", schema="triage", migrations_dir=MIGRATIONS, default_port=8001,
                  settings=TriageSettings, create_app=create_app)


def main() -> None:
    cli()
