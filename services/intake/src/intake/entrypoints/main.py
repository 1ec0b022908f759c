"""Intake's process: FastAPI (API, later the form and FHIR) with consumers and relay in its lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from frontdoor_shared.service_main import service_cli

from intake.bootstrap import Intake
from intake.config import IntakeSettings
from intake.entrypoints import api
from intake.entrypoints.errors import on_request_validation

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    intake = Intake(settings or IntakeSettings())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await intake.runtime.start()
        try:
            yield
        finally:
            await intake.runtime.stop()

    app = FastAPI(title="Front Door intake", version="1.0.0", lifespan=lifespan,
                  description="The single front door for early concerns about a child's SEND.")
    app.state.intake = intake
    app.add_exception_handler(RequestValidationError, on_request_validation)
    app.include_router(api.router)

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Any) -> Any:
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > intake.settings.max_body_bytes:
            return JSONResponse(status_code=413, content={"errors": [
                {"field": "(body)", "reason": f"the body is over {intake.settings.max_body_bytes} bytes"}]})
        return await call_next(request)

    @app.get("/health", tags=["ops"])
    async def health() -> dict[str, Any]:
        return await intake.runtime.health()

    return app


cli = service_cli(service="intake", schema="intake", migrations_dir=MIGRATIONS, default_port=8000,
                  settings=IntakeSettings, create_app=create_app)


def main() -> None:
    cli()
