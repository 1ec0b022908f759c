"""Turn every validation failure into a 422 that names the field and says how to fix it."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError

from intake.service_layer.problems import problems


class FieldProblem(BaseModel):
    field: str = Field(description="The field, dotted (e.g. child.nhs_number), or (body) for the whole request")
    reason: str = Field(description="What is wrong and how to fix it; never the value given")


class Problem(BaseModel):
    """Every refusal of the JSON API: a title or a detail, and for invalid fields each field and why."""

    title: str | None = None
    detail: str | None = None
    errors: list[FieldProblem] | None = None


class OAuthError(BaseModel):
    """RFC 6749 section 5.2."""

    error: str
    error_description: str


_WHY = {
    400: "The request cannot be read",
    401: "No credentials, or a token that is not valid (see WWW-Authenticate)",
    403: "These credentials may not do this",
    404: "Not found, or not yours to see",
    409: "A conflict with the state of the resource",
    413: "The request body is too large",
    415: "The body is not in a media type this operation reads",
    422: "A field is invalid: each error names it and why",
    429: "Too many failed attempts: wait for Retry-After seconds",
    503: "Briefly unavailable (database or broker): nothing was saved; retry after Retry-After seconds",
}


def problem_responses(*codes: int, model: Any = Problem) -> dict[int | str, dict[str, Any]]:
    """OpenAPI declarations of the refusals an operation can answer with, for FastAPI's `responses=`."""
    return {code: {"model": model, "description": _WHY[code]} for code in codes}


def unprocessable(items: list[dict[str, str]]) -> JSONResponse:
    return JSONResponse(status_code=422, content={
        "title": "The concern could not be accepted", "errors": items,
    })


async def on_request_validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError | ValidationError)
    return unprocessable(problems(list(exc.errors())))
