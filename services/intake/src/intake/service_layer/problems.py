"""Validation failures as a list of {field, reason}: what every door reports, never the values."""

from __future__ import annotations

from typing import Any

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
        if err.get("type") == "json_invalid":  # its loc is a character position, not a field
            loc, msg = [], f"the body is not valid JSON ({msg})"
        elif not loc and err.get("type") == "missing":  # no body at all, not a field left out
            msg = "the body is empty: send a JSON object"
        out.append({"field": ".".join(loc) or "(body)", "reason": msg})
    return out


