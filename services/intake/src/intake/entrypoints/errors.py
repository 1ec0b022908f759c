"""Turn every validation failure into a 422 that names the field and says how to fix it."""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from intake.service_layer.problems import problems


def unprocessable(items: list[dict[str, str]]) -> JSONResponse:
    return JSONResponse(status_code=422, content={
        "title": "The concern could not be accepted", "errors": items,
    })


async def on_request_validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError | ValidationError)
    return unprocessable(problems(list(exc.errors())))
