"""The FHIR door, after the create: the submitter finds its concern again by the identifier it sent
(GET /fhir/ServiceRequest?identifier=), reads it (GET /fhir/ServiceRequest/{reference}: its status,
in FHIR's terms and Front Door's, and what the council asked for when it is on hold) and updates it
(PUT): `active` with the concern as it now stands answers the council's request for more
information; `revoked`, with a reason code of the council's list, withdraws it before the council
decides. Every refusal is an OperationOutcome; anyone else's reference is not found.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from frontdoor_shared.auth import Principal
from frontdoor_shared.contracts.concern_withdrawn_v1 import WITHDRAWAL_REASONS
from intake.adapters import audit
from intake.adapters.repository import ConcernRepository
from intake.domain.model import FINISHED_BY_COUNCIL, Status
from intake.entrypoints.api import intake_of, submitter_of
from intake.entrypoints.errors import problem_responses
from intake.entrypoints.fhir import (
    EXAMPLE_REQUEST,
    FHIR_JSON,
    FhirJSONResponse,
    OperationOutcome,
    caller_of,
    outcome,
    refused,
    sent_resource,
)
from intake.service_layer.fhir_mapping import (
    CONCERN_REFERENCE,
    EXT,
    FhirConcern,
    FhirInvalid,
    Issue,
    issues_of,
    map_request,
)
from intake.service_layer.revise import NoSuchConcern, NotAwaitingInformation
from intake.service_layer.withdraw import NotWithdrawable

router = APIRouter(prefix="/fhir", tags=["fhir"])
_RESOURCE_UPDATE = {"type": "object", "required": ["resourceType", "status"], "properties": {
    "resourceType": {"enum": ["ServiceRequest"]}, "id": {"type": "string"},
    "status": {"enum": ["active", "revoked"]}}}


# Front Door's status as FHIR's ServiceRequest.status: the request to the council is fulfilled once it
# has decided (routed, or the panel's decision), on hold while it waits for the submitter's answer,
# and revoked once withdrawn. The exact status travels beside it (extension concern-status).
FHIR_STATUS = {Status.MORE_INFORMATION_NEEDED: "on-hold", Status.WITHDRAWN: "revoked",
               **dict.fromkeys(FINISHED_BY_COUNCIL, "completed")}


async def _owned(request: Request, principal: Principal, reference: str) -> Any:
    """Intake, once the caller is known to have submitted the concern; else the same 404 for anyone
    else's reference and an unknown one (no one learns whose concerns exist)."""
    try:
        return await submitter_of(request, principal, reference)
    except HTTPException as err:
        return refused(err.status_code, "not-found" if err.status_code == 404 else "forbidden",
                        "no concern of yours has this reference", "reference")


def _as_resource(reference: str, status: str, missing: Sequence[str]) -> dict[str, Any]:
    """The concern as a ServiceRequest: identifiers, status and codes only, nothing about the child."""
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest", "id": reference,
        "meta": {"lastUpdated": datetime.now(UTC).isoformat()},
        "identifier": [{"system": CONCERN_REFERENCE, "value": reference}],
        "status": FHIR_STATUS.get(status, "active"), "intent": "order",
        "extension": [{"url": EXT + "concern-status", "valueCode": status}],
        "subject": {"display": "the child named in the request"}}
    if missing:
        resource["note"] = [{"text": f"The council asks for: {item}"} for item in missing]
    return resource


@router.get("/ServiceRequest/{reference}", summary="Read a concern you submitted: its status as a ServiceRequest",
            response_class=FhirJSONResponse,
            responses={200: {"content": {FHIR_JSON: {}}},
                       **problem_responses(401, 403, 404, 410, model=OperationOutcome)})
async def read_service_request(reference: str, request: Request) -> Any:
    """The concern's status (FHIR's: active, on-hold while the council waits for more information,
    completed once it decided, revoked once withdrawn; Front Door's own in the `concern-status`
    extension) and, when on hold, what the council asked for, one note each."""
    principal = caller_of(request)
    if isinstance(principal, JSONResponse):
        return principal
    app = await _owned(request, principal, reference)
    if isinstance(app, JSONResponse):
        return app
    async with app.runtime.engine.begin() as conn:
        concern = await ConcernRepository(conn).get(reference)
        if concern is not None:
            await audit.record(conn, principal, "read-status", reference, concern_id=concern.id,
                               why="status-enquiry", channel="fhir")
    if concern is None or concern.status == Status.ERASED:
        return refused(410, "deleted", "this concern's details were erased", "reference")
    missing: list[str] = []
    if concern.status == Status.MORE_INFORMATION_NEEDED:
        asked = [h for h in concern.history if h.status == Status.MORE_INFORMATION_NEEDED]
        missing = [str(m) for m in (asked[-1].detail or {}).get("missing", [])] if asked else []
    return JSONResponse(media_type=FHIR_JSON, content=_as_resource(reference, concern.status, missing))


@router.get("/ServiceRequest", summary="Find a concern you submitted by its identifier (FHIR search)",
            response_class=FhirJSONResponse,
            responses={200: {"content": {FHIR_JSON: {}}}, **problem_responses(400, 401, 403, model=OperationOutcome)})
async def search_service_requests(request: Request, identifier: str | None = None) -> Any:
    """`identifier=<system>|<value>`: the ServiceRequest.identifier you sent (a lost reference found
    again), or this door's `https://frontdoor.example/Id/concern-reference|FD-...`. A searchset Bundle
    of the one concern you submitted under it, or none: never anyone else's."""
    principal = caller_of(request)
    if isinstance(principal, JSONResponse):
        return principal
    system, bar, value = (identifier or "").partition("|")
    if not (bar and system and value) or len(system) + len(value) > 400:
        return refused(400, "invalid", "search by identifier=<system>|<value>, as the ServiceRequest.identifier "
                        "you sent", "identifier")
    async with intake_of(request).runtime.engine.begin() as conn:
        repo = ConcernRepository(conn)
        if system == CONCERN_REFERENCE:
            owner = await repo.submitted_by(value)
            concern = await repo.get(value) if owner == principal.subject else None
            found = (concern.reference, concern.status) if concern is not None else None
        else:
            found = await repo.keyed(principal.subject, f"fhir|{system}|{value}")
        if found is not None:
            await audit.record(conn, principal, "read-status", found[0], why="status-enquiry", channel="fhir")
    base = f"{intake_of(request).settings.public_base_url}/fhir/ServiceRequest"
    entries = [] if found is None or found[1] == Status.ERASED else [
        {"fullUrl": f"{base}/{found[0]}", "resource": _as_resource(found[0], found[1], []),
         "search": {"mode": "match"}}]
    return JSONResponse(media_type=FHIR_JSON, content={"resourceType": "Bundle", "type": "searchset",
                                                       "total": len(entries), "entry": entries})


def _withdrawal_reason(sr: dict[str, Any]) -> str | JSONResponse:
    reasons = [e.get("valueCode") for e in sr.get("extension", []) if isinstance(e, dict)
               and e.get("url") == EXT + "withdrawal-reason"] if isinstance(sr.get("extension"), list) else []
    if len(reasons) != 1 or reasons[0] not in WITHDRAWAL_REASONS:
        return outcome(422, [Issue("required" if not reasons else "value", "ServiceRequest.extension", "reason",
                                   f"a revoked ServiceRequest needs one extension {EXT}withdrawal-reason whose "
                                   f"valueCode is one of: {', '.join(WITHDRAWAL_REASONS)}")])
    return str(reasons[0])


_UPDATE_BODY = {"requestBody": {"required": True, "content": {FHIR_JSON: {"schema": _RESOURCE_UPDATE, "examples": {
    "withdraw": {"summary": "Withdraw it: the family has moved away", "value": {
        "resourceType": "ServiceRequest", "id": "FD-7K3M-9QXP", "status": "revoked", "intent": "order",
        "subject": {"display": "the child"},
        "extension": [{"url": EXT + "withdrawal-reason", "valueCode": "moved-away"}]}},
    "answer": {"summary": "Answer the council's request: the concern as it now stands",
               "value": {**EXAMPLE_REQUEST, "id": "FD-7K3M-9QXP"}}}}}}}


@router.put("/ServiceRequest/{reference}", summary="Update a concern you submitted: answer the council, or withdraw it",
            response_class=FhirJSONResponse, openapi_extra=_UPDATE_BODY, responses={
                200: {"content": {FHIR_JSON: {}}, "description": "Updated: the ServiceRequest as it now stands"},
                **problem_responses(400, 401, 403, 404, 409, 413, 415, 422, model=OperationOutcome)})
async def update_service_request(reference: str, request: Request) -> Any:
    """FHIR's update, for the two changes a submitter may make.

    - `status: active`, the ServiceRequest as first sent with what the council asked for added
      (its reasonCode, ranges, support tried, screening and note as they now stand): answers the
      council's request for more information (409 unless the concern is on hold for it); triage
      decides again. The child, family and referrer stay as first sent.
    - `status: revoked` with one extension `withdrawal-reason` (needs-met, family-declined,
      moved-away or raised-in-error): withdraws the concern before the council decides (409 once
      it has); every service stops and the family is told why.

    The body's `id`, when given, must be the reference in the address (400 otherwise)."""
    sent = await sent_resource(request)
    if isinstance(sent, JSONResponse):
        return sent
    principal, payload = sent
    if not isinstance(payload, dict) or payload.get("resourceType") != "ServiceRequest":
        return refused(422, "structure", "send the ServiceRequest itself (resourceType ServiceRequest)",
                        "resourceType")
    if payload.get("id") not in (None, reference):
        return refused(400, "invalid", f"the resource's id must be {reference}, the reference in the address", "id")
    status = payload.get("status")
    if status not in ("active", "revoked"):
        return outcome(422, [Issue("value", "ServiceRequest.status", "status",
                                   "status must be active (to answer the council) or revoked (to withdraw it)")])
    if status == "revoked":
        reason = _withdrawal_reason(payload)
        if isinstance(reason, JSONResponse):
            return reason
        return await _withdraw(request, principal, reference, reason)
    try:
        mapped = map_request(payload)
    except FhirInvalid as err:
        return outcome(422, err.issues)
    return await _answer(request, principal, reference, mapped)


async def _withdraw(request: Request, principal: Principal, reference: str, reason: str) -> Any:
    app = await _owned(request, principal, reference)
    if isinstance(app, JSONResponse):
        return app
    try:
        await app.withdraw(reference, reason, principal, "fhir")
    except NoSuchConcern:
        return refused(404, "not-found", "no concern of yours has this reference", "reference")
    except NotWithdrawable as err:
        return refused(409, "conflict", str(err), "status")
    return JSONResponse(media_type=FHIR_JSON, content=_as_resource(reference, Status.WITHDRAWN, []))


async def _answer(request: Request, principal: Principal, reference: str, mapped: FhirConcern) -> Any:
    app = await _owned(request, principal, reference)
    if isinstance(app, JSONResponse):
        return app
    try:
        await app.add_information(reference, mapped.concern.concern, principal, "fhir")
    except NoSuchConcern:
        return refused(404, "not-found", "no concern of yours has this reference", "reference")
    except NotAwaitingInformation as err:
        return refused(409, "conflict", str(err), "status")
    except ValidationError as err:  # a rule across the concern's parts (the parent told, for NHS referrers)
        return outcome(422, issues_of(list(err.errors()), mapped.provenance))
    return JSONResponse(media_type=FHIR_JSON, content=_as_resource(reference, Status.INFORMATION_ADDED, []))
