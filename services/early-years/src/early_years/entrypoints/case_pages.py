"""A case with its evidence and history, and the decision form (the chair records; never edits)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from early_years.domain.agencies import FUNDING_PERIODS, PATHWAYS
from early_years.domain.exceptions import DecisionRefused, UnknownCase
from early_years.entrypoints.forms import ACTION_ROWS, error_summary, example_date, read_decision
from early_years.entrypoints.web import (
    NOT_FOUND,
    PageRefused,
    Staff,
    case_uuid,
    checked_form,
    render,
    require_chair,
    require_readable,
    service_of,
)
from early_years.service_layer.decide import record_decision
from early_years.service_layer.erasure import WITHDRAWN
from early_years.service_layer.views import CaseView, case_panel, case_view
from frontdoor_shared.access import Resource, can_decide_on_panel
from frontdoor_shared.auth import Principal
from frontdoor_shared.web import presented_token

router = APIRouter(include_in_schema=False)


async def _case(request: Request, principal: Principal, case_id: str, *, notes: bool = False) -> CaseView:
    svc = service_of(request)
    async with svc.runtime.engine.connect() as conn:
        if notes:  # access is decided before anything is decrypted
            require_readable(principal, await case_panel(conn, case_uuid(case_id)))
        view = await case_view(conn, svc.panel, case_uuid(case_id), svc.notes if notes else None)
    require_readable(principal, view.case.panel_id if view else None)
    assert view is not None
    return view


@router.get("/panel/cases/{case_id}")
async def case_page(request: Request, principal: Staff, case_id: str) -> Response:
    view = await _case(request, principal, case_id, notes=True)
    is_chair = can_decide_on_panel(principal, Resource(panel_id=view.case.panel_id))
    done = "Decision recorded" if request.query_params.get("done") == "decision" else None
    # read from intake as this member (intake decides and audits), once the panel allowed the case
    evidence = await service_of(request).evidence.for_case(view.case.reference, presented_token(request) or "")
    return render(request, "case.html", principal=principal, title=f"Case {view.case.reference}", view=view,
                  is_chair=is_chair, done=done, errors=[], evidence=evidence)


def _form_page(request: Request, principal: Principal, view: CaseView, values: dict[str, Any],
               errors: dict[str, str], status: int = 200) -> Response:
    svc = service_of(request)
    correcting = view.standing_id is not None
    title = "Correct the panel's decision" if correcting else "Record the panel's decision"
    return render(request, "decision.html", principal=principal, title=title, view=view, values=values,
                  field_errors=errors, errors=error_summary(errors), status=status, pathways=PATHWAYS,
                  agencies=svc.panel.words.agencies, bands=svc.panel.bands, periods=FUNDING_PERIODS,
                  rows=range(1, ACTION_ROWS + 1),
                  correcting=correcting, example_date=example_date(svc.panel.today(svc.clock())))


@router.get("/panel/cases/{case_id}/decision")
async def decision_form(request: Request, principal: Staff, case_id: str) -> Response:
    view = await _case(request, principal, case_id)
    require_chair(principal, view.case.panel_id, "record the panel's decision")
    if view.case.status == WITHDRAWN:  # off the agenda, needing no decision: its page says so
        return RedirectResponse(f"/panel/cases/{view.case.id}", status_code=303)
    values = {"pathway": view.case.recommended_pathway or "",
              "corrects_decision_id": str(view.standing_id) if view.standing_id else ""}
    return _form_page(request, principal, view, values, {})


@router.post("/panel/cases/{case_id}/decision")
async def decide(request: Request, principal: Staff, case_id: str) -> Response:
    form = await checked_form(request)
    view = await _case(request, principal, case_id)
    require_chair(principal, view.case.panel_id, "record the panel's decision")
    read = read_decision(form)
    svc = service_of(request)
    try:
        await record_decision(svc.runtime.uow(), svc.panel, svc.notes, view.case.id, read.draft, by=principal.subject,
                              now=svc.clock(), form_errors=read.errors)
    except DecisionRefused as refused:
        return _form_page(request, principal, view, read.values, refused.errors, status=422)
    except UnknownCase:
        raise PageRefused(*NOT_FOUND) from None
    return RedirectResponse(f"/panel/cases/{view.case.id}?done=decision", status_code=303)
