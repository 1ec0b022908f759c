"""The agenda: today's meeting, who is present, and the chair's moves (add, defer, reorder)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from early_years.domain.exceptions import InvalidAttendance, NotOnAgenda, UnknownCase
from early_years.entrypoints.web import (
    NOT_FOUND,
    PageRefused,
    Staff,
    case_uuid,
    checked_form,
    member_panel,
    render,
    require_chair,
    service_of,
    signed_out_page,
    text,
)
from early_years.service_layer import agenda
from early_years.service_layer.meetings import record_attendance
from early_years.service_layer.team_answer import BACK_FROM_TEAM
from early_years.service_layer.views import agenda_view
from frontdoor_shared.access import Resource, can_decide_on_panel
from frontdoor_shared.auth import SESSION_COOKIE, NotAuthenticated, Principal

router = APIRouter(include_in_schema=False)
DONE = {"attendance": "Attendance saved", "deferred": "Case deferred to the next meeting",
        "added": "Case added to this agenda", "moved": "Agenda order changed"}


async def _agenda_page(request: Request, principal: Principal, *, errors: dict[str, str] | None = None,
                       chosen: dict[str, str] | None = None) -> Response:
    svc = service_of(request)
    panel_id = member_panel(principal, svc)
    today = svc.panel.today(svc.clock())
    async with svc.runtime.engine.begin() as conn:
        view = await agenda_view(conn, svc.panel, today)
    errors = errors or {}
    return render(request, "agenda.html", principal=principal, title="Panel agenda", view=view, today=today,
                  panel_name=svc.panel.name, agencies=svc.panel.words.agencies, chosen=chosen, field_errors=errors,
                  is_chair=can_decide_on_panel(principal, Resource(panel_id=panel_id)),
                  errors=[{"text": v, "href": f"#{k}"} for k, v in errors.items()],
                  done=DONE.get(request.query_params.get("done", "")), back_from_team=BACK_FROM_TEAM,
                  status=422 if errors else 200)


@router.get("/panel")
async def agenda_page(request: Request, principal: Staff) -> Response:
    return await _agenda_page(request, principal)


@router.post("/panel/attendance")
async def attendance(request: Request, principal: Staff) -> Response:
    form = await checked_form(request)
    svc = service_of(request)
    require_chair(principal, member_panel(principal, svc), "record who is present")
    chosen = {s: text(form, f"agency-{s}") for s in form.getlist("present") if isinstance(s, str)}
    try:
        await record_attendance(svc.runtime.uow(), svc.panel, case_uuid(text(form, "meeting_id")), chosen)
    except InvalidAttendance as err:
        return await _agenda_page(request, principal, errors=err.errors, chosen=chosen)
    except UnknownCase:
        raise PageRefused(*NOT_FOUND) from None
    return RedirectResponse("/panel?done=attendance#attendance", status_code=303)


async def _chair_move(request: Request, principal: Principal, case_id: str, doing: str) -> tuple[uuid.UUID, str]:
    form = await checked_form(request)
    svc = service_of(request)
    require_chair(principal, member_panel(principal, svc), doing)
    return case_uuid(case_id), text(form, "direction")


@router.post("/panel/cases/{case_id}/defer")
async def defer(request: Request, principal: Staff, case_id: str) -> Response:
    cid, _ = await _chair_move(request, principal, case_id, "defer a case")
    svc = service_of(request)
    try:
        await agenda.defer(svc.runtime.uow(), svc.panel, cid, by=principal.subject, now=svc.clock())
    except (UnknownCase, NotOnAgenda):
        raise PageRefused(*NOT_FOUND) from None
    return RedirectResponse("/panel?done=deferred", status_code=303)


@router.post("/panel/cases/{case_id}/reorder")
async def reorder(request: Request, principal: Staff, case_id: str) -> Response:
    cid, direction = await _chair_move(request, principal, case_id, "change the order of the agenda")
    if direction not in ("up", "down"):
        raise PageRefused(400, "Choose up or down", "Use the Move up or Move down buttons on the agenda.")
    svc = service_of(request)
    try:
        await agenda.reorder(svc.runtime.uow(), svc.panel, cid, direction)
    except (UnknownCase, NotOnAgenda):
        raise PageRefused(*NOT_FOUND) from None
    return RedirectResponse(f"/panel?done=moved#case-{cid}", status_code=303)


@router.post("/panel/cases/{case_id}/add")
async def add(request: Request, principal: Staff, case_id: str) -> Response:
    cid, _ = await _chair_move(request, principal, case_id, "add a case to the agenda")
    svc = service_of(request)
    try:
        await agenda.add(svc.runtime.uow(), svc.panel, cid, by=principal.subject, now=svc.clock())
    except UnknownCase:
        raise PageRefused(*NOT_FOUND) from None
    return RedirectResponse("/panel?done=added", status_code=303)


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    """The session ends on every service (intake ends it: `DELETE /api/v1/session`), not only the
    cookie in this browser. If intake cannot be reached it ends here, and the page says so."""
    await checked_form(request)
    svc = service_of(request)
    token = request.cookies.get(SESSION_COOKIE)
    everywhere = True
    if token:
        try:
            principal = svc.tokens.verify(token, changing_password=True)
        except NotAuthenticated:
            principal = None  # ended or run out already
        if principal is not None and not await svc.evidence.end_session(token):
            everywhere = not svc.tokens.revocations.end_here(principal)
    response = RedirectResponse("/signed-out" if everywhere else "/signed-out?here-only=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/signed-out")
async def signed_out(request: Request) -> Response:
    if request.query_params.get("here-only"):
        return signed_out_page(request, "You have signed out of the panel's pages",
                               "Front Door could not end your session on its other services just now. Close "
                               "every browser window to finish signing out.", status=200)
    return signed_out_page(request, "You have signed out", "You have signed out of Front Door.", status=200,
                           signed_out=True)
