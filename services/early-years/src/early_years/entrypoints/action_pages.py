"""The panel's actions: overdue first, then open, then completed; members record completion."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from early_years.domain.exceptions import ActionAlreadyCompleted, UnknownCase
from early_years.entrypoints.web import (
    NOT_FOUND,
    PageRefused,
    Staff,
    case_uuid,
    checked_form,
    member_panel,
    render,
    service_of,
)
from early_years.service_layer.actions import complete_action
from early_years.service_layer.views import actions_view

router = APIRouter(include_in_schema=False)
DONE = {"completed": "Action marked as completed", "already": "That action had already been completed"}


@router.get("/panel/actions")
async def actions_page(request: Request, principal: Staff) -> Response:
    svc = service_of(request)
    panel_id = member_panel(principal, svc)
    today = svc.panel.today(svc.clock())
    async with svc.runtime.engine.connect() as conn:
        view = await actions_view(conn, panel_id, today)
    done = DONE.get(request.query_params.get("done", ""))
    return render(request, "actions.html", principal=principal, title="Panel actions", view=view,
                  agencies=svc.panel.words.agencies, today=today, done=done, errors=[])


@router.post("/panel/actions/{action_id}/complete")
async def complete(request: Request, principal: Staff, action_id: str) -> Response:
    await checked_form(request)
    svc = service_of(request)
    panel_id = member_panel(principal, svc)
    try:
        await complete_action(svc.runtime.uow(), panel_id, case_uuid(action_id), by=principal.subject,
                              now=svc.clock())
    except UnknownCase:
        raise PageRefused(*NOT_FOUND) from None
    except ActionAlreadyCompleted:
        return RedirectResponse("/panel/actions?done=already", status_code=303)
    return RedirectResponse("/panel/actions?done=completed", status_code=303)
