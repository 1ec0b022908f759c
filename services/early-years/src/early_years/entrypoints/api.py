"""The panel's JSON API: listed cases in agenda order, for signed-in panel members."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from early_years.adapters.cases import CaseRepository
from early_years.domain.agenda import AgendaItem, agenda_order
from early_years.entrypoints.web import service_of
from frontdoor_shared.access import PANEL_ROLES, Resource, can_read_panel_case
from frontdoor_shared.auth import Principal
from frontdoor_shared.web import principal_dependency, refuse_unless

router = APIRouter(tags=["panel"])


async def caller(request: Request) -> Principal:
    return principal_dependency(service_of(request).tokens)(request)


@router.get("/api/v1/panel/cases")
async def listed_cases(request: Request, principal: Annotated[Principal, Depends(caller)]) -> list[dict[str, Any]]:
    """Children listed for the caller's panel, most urgent and longest waiting first."""
    refuse_unless(principal.kind == "staff" and principal.role in (*PANEL_ROLES, "council-admin"))
    panel_id = None if principal.role == "council-admin" else principal.panel_id
    async with service_of(request).runtime.engine.connect() as conn:
        rows = [r for r in await CaseRepository(conn).listed(panel_id)
                if can_read_panel_case(principal, Resource(panel_id=r.panel_id))]
    by_id = {str(r.id): r for r in rows}
    ordered = agenda_order([AgendaItem(str(r.id), r.reference, r.priority, r.listed_at) for r in rows])
    return [{"case_id": i.case_id, "reference": i.reference, "priority": i.priority,
             "listed_at": i.listed_at.isoformat(), "age_in_months": by_id[i.case_id].age_in_months,
             "recommended_pathway": by_id[i.case_id].recommended_pathway} for i in ordered]
