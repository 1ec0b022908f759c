"""The family's private status page, and revoking its link (council staff)."""

from __future__ import annotations

from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, HTTPException, Request, Response

from frontdoor_shared.access import can_administer
from frontdoor_shared.auth import Principal
from frontdoor_shared.govuk import page_context, templates_of
from frontdoor_shared.web import principal_dependency, refuse_unless
from notifications.domain.journey import long_date
from notifications.service_layer.status_page import StatusView, revoke, status_view

router = APIRouter()
log = structlog.get_logger()
SERVICE_NAME = "Support for your child"
PRIVATE = {"X-Robots-Tag": "noindex, nofollow", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _svc(request: Request) -> Any:
    return request.app.state.notifications


async def current_principal(request: Request) -> Principal:
    return principal_dependency(_svc(request).tokens)(request)


def _page(view: StatusView) -> dict[str, Any]:
    return {"view": view, "expected_by": long_date(view.expected_by) if view.expected_by else None,
            "journey": [{"on": long_date(j.on), "line": j.line} for j in view.journey]}


@router.get("/status/{token}", include_in_schema=False)
async def status_page(request: Request, token: str) -> Response:
    svc = _svc(request)
    async with svc.runtime.engine.connect() as conn:
        view = await status_view(conn, svc.context, token)
    templates = templates_of(request)
    if view is None:  # unknown, expired or revoked look the same: nothing to learn from trying
        return templates.TemplateResponse(
            request, "not_found.html", page_context(request, title="Page not found", service_name=SERVICE_NAME,
                                                    contact=svc.settings.council_contact, home_url=request.url.path),
            status_code=404, headers=PRIVATE)
    return templates.TemplateResponse(
        request, "status.html", page_context(request, title="Where things are", service_name=SERVICE_NAME,
                                             home_url=request.url.path, **_page(view)), headers=PRIVATE)


@router.post("/api/v1/status-links/{token}/revoke", status_code=204, tags=["status links"],
             summary="Withdraw a family's private link (council administrators)")
async def revoke_link(request: Request, token: str,
                      principal: Annotated[Principal, Depends(current_principal)]) -> Response:
    refuse_unless(can_administer(principal))
    svc = _svc(request)
    async with svc.runtime.engine.begin() as conn:
        revoked = await revoke(conn, svc.context, token)
    if not revoked:
        raise HTTPException(404, detail="no such link, or it was already withdrawn")
    log.info("status_link.revoked", by=principal.subject)
    return Response(status_code=204)
