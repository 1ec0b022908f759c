"""Early years' process: consumers, relay and the panel's HTTP interface."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from frontdoor_shared.service_main import service_cli

from early_years.adapters.repository import CaseRepository
from early_years.bootstrap import EarlyYears
from early_years.config import EarlyYearsSettings
from early_years.domain.agenda import AgendaItem, agenda_order

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def create_app(settings: EarlyYearsSettings | None = None) -> FastAPI:
    ey = EarlyYears(settings or EarlyYearsSettings())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await ey.runtime.start()
        try:
            yield
        finally:
            await ey.runtime.stop()

    app = FastAPI(title="Front Door early years", version="1.0.0", lifespan=lifespan)

    @app.get("/api/v1/panel/cases", tags=["panel"])
    async def listed_cases(request: Request) -> list[dict[str, Any]]:
        """Children listed for the early-years inclusion panel, most urgent and longest waiting first."""
        async with ey.runtime.engine.connect() as conn:
            rows = await CaseRepository(conn).listed()
        by_ref = {r.reference: r for r in rows}
        ordered = agenda_order([AgendaItem(r.reference, r.priority, r.listed_at) for r in rows])
        return [{"reference": i.reference, "priority": i.priority, "listed_at": i.listed_at.isoformat(),
                 "age_in_months": by_ref[i.reference].age_in_months,
                 "recommended_pathway": by_ref[i.reference].recommended_pathway} for i in ordered]

    @app.get("/health", tags=["ops"])
    async def health() -> dict[str, Any]:
        return await ey.runtime.health()

    return app


cli = service_cli(service="early-years", schema="early_years", migrations_dir=MIGRATIONS,
                  default_port=8002, settings=EarlyYearsSettings, create_app=create_app)


def main() -> None:
    cli()
