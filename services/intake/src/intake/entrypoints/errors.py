"""Turn every validation failure into a 422 that names the field and says how to fix it."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from intake.domain.checks import CheckFailed

_SKIP = {"body", "query", "path", "header"}


def problems(errors: list[Any]) -> list[dict[str, str]]:
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if str(p) not in _SKIP]
        msg = str(err.get("msg", "is not valid"))
        ctx_err = (err.get("ctx") or {}).get("error")
        if isinstance(ctx_err, CheckFailed):
            loc = [*loc[:-1], ctx_err.field] if loc else [ctx_err.field]
            msg = ctx_err.reason
        msg = msg.removeprefix("Value error, ")
        out.append({"field": ".".join(loc) or "(body)", "reason": msg})
    return out


def unprocessable(items: list[dict[str, str]]) -> JSONResponse:
    return JSONResponse(status_code=422, content={
        "title": "The concern could not be accepted", "errors": items,
    })


async def on_request_validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError | ValidationError)
    return unprocessable(problems(list(exc.errors())))
