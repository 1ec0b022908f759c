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
    410: "Gone: the concern's details were erased",
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
INFORMATION_REFUSED = "The information could not be accepted"
WITHDRAWAL_REFUSED = "The concern could not be withdrawn"
PROGRESS_REFUSED = "The referral's progress could not be recorded"


def unprocessable(items: list[dict[str, str]], title: str = SUBMISSION_REFUSED) -> JSONResponse:
    return JSONResponse(status_code=422, content={"title": title, "errors": items})


def _is_submission(request: Request) -> bool:
    return request.method == "POST" and request.url.path.rstrip("/").endswith("/concerns")


def _sent_as_json(request: Request) -> bool:
    """No Content-Type is read as JSON (as FastAPI reads it); otherwise application/json or +json."""
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    return not media or media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


async def on_request_validation(request: Request, exc: Exception) -> JSONResponse:
    """A refused submission says the concern was not accepted (415 when the body was not sent as
    JSON at all); any other request (a status enquiry with a bad X-Purpose, say) says that it
    could not be answered, not that a concern was refused."""
    assert isinstance(exc, RequestValidationError | ValidationError)
    path = request.url.path.rstrip("/")
    for ending, title in (("/information", INFORMATION_REFUSED), ("/withdrawal", WITHDRAWAL_REFUSED),
                          ("/progress", PROGRESS_REFUSED)):
        if request.method == "POST" and path.endswith(ending):
            if not _sent_as_json(request):
                return JSONResponse(status_code=415, content={"title": title, "errors": [
                    {"field": "Content-Type", "reason": "send the request as application/json"}]})
            return unprocessable(problems(list(exc.errors())), title)
    if not _is_submission(request):
        return unprocessable(problems(list(exc.errors())), REQUEST_REFUSED)
    if not _sent_as_json(request):
        return JSONResponse(status_code=415, content={"title": SUBMISSION_REFUSED, "errors": [
            {"field": "Content-Type", "reason": "send the concern as application/json"}]})
    return unprocessable(problems(list(exc.errors())))
