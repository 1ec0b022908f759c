"""The council records a pathway team's answer that came by phone or email.

Most teams a council routes children to have no system that calls the API: they tell the SEND
team. The council's administrator records what they said on the concern's page ("Record the
team's answer"): accepted (and by when the team will contact the family), the first appointment
booked, or declined with a reason from the council's list. It is the same use case as the API's
`POST /api/v1/referrals/{reference}/progress`, so the family, the referrer and the status page hear
it the same way; the audit trail says who recorded it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from frontdoor_shared.auth import Principal
from frontdoor_shared.contracts.referral_progressed_v1 import DECLINE_REASONS
from frontdoor_shared.web import verify_csrf
from intake.entrypoints.api import intake_of
from intake.entrypoints.web import Caller, _not_found, _own, _render, answerable, day_from
from intake.service_layer.progress import BadDay, NotProgressable, ProgressIn
from intake.service_layer.revise import NoSuchConcern

router = APIRouter(include_in_schema=False)

STAGES = {"accepted": "The team accepted the referral",
          "appointment-booked": "The team booked the child's first appointment",
          "declined": "The team declined the referral"}


def _page(request: Request, principal: Principal, reference: str, problems: dict[str, str] | None = None,
          form: Any = None) -> Response:
    problems = problems or {}
    values = {k: str(v) for k, v in (form or {}).items() if k != "csrf_token"}
    return _render(request, principal, "concern_team_answer.html", f"Record the team's answer: {reference}",
                   422 if problems else 200, reference=reference, stages=STAGES, reasons=DECLINE_REASONS,
                   problems=problems, values=values,
                   errors=[{"text": text, "href": f"#{field}"} for field, text in problems.items()])


@router.get("/concerns/{reference}/team-answer")
async def team_answer_form(reference: str, request: Request, principal: Caller) -> Response:
    concern = await _own(request, principal, reference)
    if concern is None or not answerable(principal, concern):
        return _not_found(request, principal)
    return _page(request, principal, reference)


def _read(form: Any) -> tuple[ProgressIn | None, dict[str, str]]:
    """The form as the API's body, or the problems by field, in the words the page uses."""
    stage = str(form.get("stage") or "")
    if stage not in STAGES:
        return None, {"stage": "Select what the team said"}
    body: dict[str, Any] = {"stage": stage}
    day_field = {"accepted": "contact_by", "appointment-booked": "appointment_on"}.get(stage)
    if day_field:
        day = day_from(form, day_field)
        if isinstance(day, str):
            return None, {day_field: "Enter a real date, like 27 3 2027"}
        if day is None and stage == "appointment-booked":
            return None, {day_field: "Enter the day of the first appointment"}
        body[day_field] = day
    if stage == "declined":
        reason = str(form.get("reason") or "")
        if reason not in DECLINE_REASONS:
            return None, {"reason": "Select why the team declined the referral"}
        body["reason"] = reason
    try:
        return ProgressIn.model_validate(body), {}
    except ValidationError:  # the checks above name every field this form can get wrong
        return None, {"stage": "Select what the team said"}


@router.post("/concerns/{reference}/team-answer")
async def record_team_answer(reference: str, request: Request, principal: Caller) -> Response:
    form = await request.form()
    verify_csrf(request, str(form.get("csrf_token") or ""))
    concern = await _own(request, principal, reference)
    if concern is None or not answerable(principal, concern):
        return _not_found(request, principal)
    progress, problems = _read(form)
    if progress is None:
        return _page(request, principal, reference, problems, form)
    try:
        await intake_of(request).report_progress(reference, progress, principal, channel="web")
    except BadDay as err:
        return _page(request, principal, reference, {err.field: "The date must be today or later, within a year"},
                     form)
    except (NoSuchConcern, NotProgressable):  # withdrawn or erased meanwhile: the page says where it is
        return RedirectResponse(f"/concerns/{reference}", status_code=303)
    return RedirectResponse(f"/concerns/{reference}?done=team-answer", status_code=303)
