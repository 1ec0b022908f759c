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


SUBMISSION_REFUSED = "The concern could not be accepted"
REQUEST_REFUSED = "The request could not be answered"


def unprocessable(items: list[dict[str, str]], title: str = SUBMISSION_REFUSED) -> JSONResponse:
    return JSONResponse(status_code=422, content={"title": title, "errors": items})


def _is_submission(request: Request) -> bool:
    return request.method == "POST" and request.url.path.rstrip("/").endswith("/concerns")


async def on_request_validation(request: Request, exc: Exception) -> JSONResponse:
    """A refused submission says the concern was not accepted; any other request (a status
    enquiry with a bad X-Purpose, say) says that it could not be answered, not that a concern was
    refused."""
    assert isinstance(exc, RequestValidationError | ValidationError)
    return unprocessable(problems(list(exc.errors())),
                         SUBMISSION_REFUSED if _is_submission(request) else REQUEST_REFUSED)
