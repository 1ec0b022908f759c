"""The FHIR R4 door for NHS systems: POST /fhir/ServiceRequest (a ServiceRequest, or a Bundle
holding one with its Patient, Practitioner, Organization and RelatedPersons; see
`intake.service_layer.fhir_mapping` for the UK Core shapes and extensions read). Its submitter
then reads it (GET /fhir/ServiceRequest/{reference}: its status, in FHIR's terms and Front Door's,
and what the council asked for when it is on hold) and updates it (PUT): `active` with the
concern as it now stands answers the council's request for more information; `revoked`, with a
reason code of the council's list, withdraws it before the council decides.

Same bearer tokens as the JSON API. 201 with the ServiceRequest as stored (its identifier
`https://frontdoor.example/Id/concern-reference` carries the reference) and a Location of the
concern's status; 200 with the original reference when the same ServiceRequest.identifier comes
again. With `Prefer: return=OperationOutcome` (FHIR's way to ask), the answer is instead an
OperationOutcome: the reference (information) and whatever the submitter should know (warnings,
e.g. a RelatedPerson given no telecom or address, who will not be written to), each naming its
field. Every refusal is an OperationOutcome: 400 not JSON, 401/403 credentials, 413 too large,
415 not FHIR JSON, 422 a field (each issue's expression and diagnostics name it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from frontdoor_shared.access import can_submit_concern
from frontdoor_shared.auth import Principal
from frontdoor_shared.contracts.concern_withdrawn_v1 import WITHDRAWAL_REASONS
from intake.adapters import audit
from intake.adapters.repository import ConcernRepository
from intake.domain.model import Status
from intake.entrypoints.api import intake_of, principal_of, submitter_of
from intake.entrypoints.errors import problem_responses
from intake.service_layer.fhir_mapping import (
    CONCERN_REFERENCE,
    EXT,
    NEED_CODE_SYSTEM,
    SCREENING_OUTCOME_SYSTEM,
    SCREENING_TOOL_SYSTEM,
    FhirConcern,
    FhirInvalid,
    Issue,
    issues_of,
    map_request,
)
from intake.service_layer.revise import NoSuchConcern, NotAwaitingInformation
from intake.service_layer.submit import IdempotencyConflict, InvalidConcern, Submission
from intake.service_layer.withdraw import NotWithdrawable

router = APIRouter(prefix="/fhir", tags=["fhir"])
FHIR_JSON = "application/fhir+json"
_MEDIA_TYPES = ("application/fhir+json", "application/json")
CAPABILITIES_DATE = "2026-11-30"  # when this door's CapabilityStatement last changed


class FhirJSONResponse(JSONResponse):
    media_type = FHIR_JSON


class IssueDetails(BaseModel):
    text: str


class OutcomeIssue(BaseModel):
    severity: str
    code: str
    details: IssueDetails
    diagnostics: str
    expression: list[str] | None = None


class OperationOutcome(BaseModel):
    """FHIR R4 OperationOutcome: each issue with its FHIRPath and the intake field it maps to."""

    resourceType: Literal["OperationOutcome"]
    issue: list[OutcomeIssue]


def outcome(status: int, issues: list[Issue], headers: dict[str, str] | None = None) -> JSONResponse:
    """An OperationOutcome: each issue with its FHIRPath and the intake field it maps to."""
    body = {"resourceType": "OperationOutcome", "issue": [_issue(i) for i in issues]}
    return JSONResponse(status_code=status, content=body, media_type=FHIR_JSON, headers=headers)


def _issue(i: Issue) -> dict[str, Any]:
    item: dict[str, Any] = {"severity": "error", "code": i.code, "details": {"text": i.reason},
                            "diagnostics": f"intake field: {i.field}"}
    if i.expression:
        item["expression"] = [i.expression]
    return item


def _refused(status: int, code: str, reason: str, field: str = "(body)") -> JSONResponse:
    return outcome(status, [Issue(code, None, field, reason)])


def _caller(request: Request) -> Principal | JSONResponse:
    try:
        principal = principal_of(request)
    except HTTPException as err:
        return outcome(err.status_code, [Issue("login", None, "Authorization", str(err.detail))],
                       headers=dict(err.headers or {}))
    if not can_submit_concern(principal):
        return _refused(403, "forbidden", "these credentials may not submit concerns", "Authorization")
    return principal


def too_large(request: Request, limit: int) -> JSONResponse | None:
    """The size limit's refusal (checked on Content-Length before any route) as an OperationOutcome."""
    if not request.url.path.startswith(router.prefix + "/"):
        return None
    return _refused(413, "too-costly", f"the request body is over {limit} bytes")


async def _body(request: Request, limit: int) -> bytes | JSONResponse:
    """The body, stopped at the limit even when no Content-Length was sent (chunked)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in _MEDIA_TYPES:
        return _refused(415, "not-supported", "send the resource as application/fhir+json", "Content-Type")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return _refused(413, "too-costly", f"the request body is over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested beyond the parser's depth
        return _refused(400, "structure", "the body is not JSON: send one FHIR resource as a JSON object")


async def _sent(request: Request) -> tuple[Principal, Any] | JSONResponse:
    """Who is sending, and the resource they sent as JSON; or the refusal (401/403, 413, 415, 400)."""
    principal = _caller(request)
    if isinstance(principal, JSONResponse):
        return principal
    body = await _body(request, intake_of(request).settings.max_body_bytes)
    if isinstance(body, JSONResponse):
        return body
    payload = _parse(body)
    if isinstance(payload, JSONResponse):
        return payload
    return principal, payload


def _stored(request: dict[str, Any], reference: str) -> dict[str, Any]:
    """The ServiceRequest as stored: identifiers and codes only, nothing about the child echoed."""
    identifiers = [i for i in request.get("identifier", []) if isinstance(i, dict)][:1]
    return {"resourceType": "ServiceRequest", "id": reference,
            "meta": {"lastUpdated": datetime.now(UTC).isoformat()},
            "identifier": [*identifiers, {"system": CONCERN_REFERENCE, "value": reference}],
            "status": "active", "intent": request.get("intent") if isinstance(request.get("intent"), str) else "order",
            "subject": {"display": "the child named in the request"}}


def _service_request(payload: dict[str, Any]) -> dict[str, Any]:
    if payload.get("resourceType") == "ServiceRequest":
        return payload
    return next(e["resource"] for e in payload["entry"] if e["resource"].get("resourceType") == "ServiceRequest")


async def _submit(request: Request, principal: Principal, mapped: FhirConcern) -> Any:
    try:
        return await intake_of(request).submit(Submission(
            concern=mapped.concern, channel="fhir", submitted_by=principal.subject, actor=principal,
            idempotency_scope=principal.subject, idempotency_key=mapped.idempotency_key))
    except InvalidConcern as err:
        return outcome(422, [Issue("value", mapped.expression_for(err.field), err.field, err.reason)])
    except IdempotencyConflict:
        return outcome(422, [Issue("duplicate", "ServiceRequest.identifier", "Idempotency-Key",
                                   "this identifier was already used for a different request: give a new one")])


_RESOURCE = {"type": "object", "required": ["resourceType"], "properties": {
    "resourceType": {"enum": ["ServiceRequest", "Bundle"]},
    "entry": {"type": "array", "items": {"type": "object", "properties": {"resource": {"type": "object"}}}}}}
_RESOURCE_UPDATE = {"type": "object", "required": ["resourceType", "status"], "properties": {
    "resourceType": {"enum": ["ServiceRequest"]}, "id": {"type": "string"},
    "status": {"enum": ["active", "revoked"]}}}
EXAMPLE_REQUEST = {  # a GP's referral about a test child, its resources contained
    "resourceType": "ServiceRequest", "status": "active", "intent": "order",
    "identifier": [{"system": "https://trust.example/Id/referral", "value": "REF-1"}],
    "subject": {"reference": "#p"}, "requester": {"reference": "#gp"},
    "reasonCode": [{"coding": [{"system": NEED_CODE_SYSTEM, "code": "SLCN"}]}],
    "note": [{"text": "Uses very few words at 30 months and is frustrated when not understood."}],
    "extension": [{"url": EXT + "referrer-role", "valueCode": "gp"},
                  {"url": EXT + "parent-informed", "valueBoolean": True},
                  {"url": EXT + "tried", "extension": [
                      {"url": "what", "valueString": "Speech and language advice at home"},
                      {"url": "weeks", "valueInteger": 10}]}],
    "supportingInfo": [{"reference": "#asq"}],
    "contained": [
        {"resourceType": "Observation", "id": "asq", "status": "final",
         "code": {"coding": [{"system": SCREENING_TOOL_SYSTEM, "code": "ASQ-3"}]},
         "interpretation": [{"coding": [{"system": SCREENING_OUTCOME_SYSTEM, "code": "below-cutoff"}]}],
         "extension": [{"url": EXT + "send-area", "valueCode": "C&I"}]},
        {"resourceType": "Patient", "id": "p", "name": [{"family": "Test", "given": ["Amara"]}],
         "birthDate": "2024-05-10", "address": [{"postalCode": "SW1A 1AA"}]},
        {"resourceType": "Practitioner", "id": "gp", "name": [{"text": "Dr Gina Practice"}],
         "telecom": [{"system": "email", "value": "gina@nhs.example"}]},
        {"resourceType": "Organization", "id": "o", "name": "Model Surgery"},
        {"resourceType": "RelatedPerson", "id": "mum", "name": [{"family": "Test", "given": ["Grace"]}],
         "telecom": [{"system": "email", "value": "grace@example.com"}]},
    ],
}
# Read from the raw body (see _body), so declared here for the OpenAPI document.
_REQUEST_BODY = {"requestBody": {"required": True, "content": {FHIR_JSON: {"schema": _RESOURCE, "examples": {
    "gp": {"summary": "A GP's referral, its resources contained", "value": EXAMPLE_REQUEST}}}}}}


@router.post("/ServiceRequest", status_code=201, summary="Submit a concern as a FHIR R4 ServiceRequest or Bundle",
             response_class=FhirJSONResponse, openapi_extra=_REQUEST_BODY, responses={
                 200: {"description": "The same ServiceRequest.identifier again: the original concern"},
                 **problem_responses(400, 401, 403, 413, 415, 422, model=OperationOutcome)})
async def create_service_request(request: Request) -> Any:
    sent = await _sent(request)
    if isinstance(sent, JSONResponse):
        return sent
    principal, payload = sent
    try:
        mapped = map_request(payload)
    except FhirInvalid as err:
        return outcome(422, err.issues)
    accepted = await _submit(request, principal, mapped)
    if isinstance(accepted, JSONResponse):
        return accepted
    location = f"{intake_of(request).settings.public_base_url}/api/v1/concerns/{accepted.reference}"
    content = (_accepted_outcome(accepted.reference, accepted.warnings, mapped) if _prefers_outcome(request)
               else _stored(_service_request(payload), accepted.reference))
    return JSONResponse(status_code=201 if accepted.created else 200, media_type=FHIR_JSON, content=content,
                        headers={"Location": location})


# Front Door's status as FHIR's ServiceRequest.status: the request to the council is fulfilled once it
# has decided (routed, or the panel's decision), on hold while it waits for the submitter's answer,
# and revoked once withdrawn. The exact status travels beside it (extension concern-status).
FHIR_STATUS = {Status.MORE_INFORMATION_NEEDED: "on-hold", Status.WITHDRAWN: "revoked", Status.ROUTED: "completed",
               Status.PANEL_DECIDED: "completed"}


async def _owned(request: Request, principal: Principal, reference: str) -> Any:
    """Intake, once the caller is known to have submitted the concern; else the same 404 for anyone
    else's reference and an unknown one (no one learns whose concerns exist)."""
    try:
        return await submitter_of(request, principal, reference)
    except HTTPException as err:
        return _refused(err.status_code, "not-found" if err.status_code == 404 else "forbidden",
                        "no concern of yours has this reference", "reference")


def _as_resource(reference: str, status: str, missing: Sequence[str], intent: str = "order") -> dict[str, Any]:
    """The concern as a ServiceRequest: identifiers, status and codes only, nothing about the child."""
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest", "id": reference,
        "meta": {"lastUpdated": datetime.now(UTC).isoformat()},
        "identifier": [{"system": CONCERN_REFERENCE, "value": reference}],
        "status": FHIR_STATUS.get(status, "active"), "intent": intent,
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
    principal = _caller(request)
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
        return _refused(410, "deleted", "this concern's details were erased", "reference")
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
    principal = _caller(request)
    if isinstance(principal, JSONResponse):
        return principal
    system, bar, value = (identifier or "").partition("|")
    if not (bar and system and value) or len(system) + len(value) > 400:
        return _refused(400, "invalid", "search by identifier=<system>|<value>, as the ServiceRequest.identifier "
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
    sent = await _sent(request)
    if isinstance(sent, JSONResponse):
        return sent
    principal, payload = sent
    if not isinstance(payload, dict) or payload.get("resourceType") != "ServiceRequest":
        return _refused(422, "structure", "send the ServiceRequest itself (resourceType ServiceRequest)",
                        "resourceType")
    if payload.get("id") not in (None, reference):
        return _refused(400, "invalid", f"the resource's id must be {reference}, the reference in the address", "id")
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
        return _refused(404, "not-found", "no concern of yours has this reference", "reference")
    except NotWithdrawable as err:
        return _refused(409, "conflict", str(err), "status")
    return JSONResponse(media_type=FHIR_JSON, content=_as_resource(reference, Status.WITHDRAWN, []))


async def _answer(request: Request, principal: Principal, reference: str, mapped: FhirConcern) -> Any:
    app = await _owned(request, principal, reference)
    if isinstance(app, JSONResponse):
        return app
    try:
        await app.add_information(reference, mapped.concern.concern, principal, "fhir")
    except NoSuchConcern:
        return _refused(404, "not-found", "no concern of yours has this reference", "reference")
    except NotAwaitingInformation as err:
        return _refused(409, "conflict", str(err), "status")
    except ValidationError as err:  # a rule across the concern's parts (the parent told, for NHS referrers)
        return outcome(422, issues_of(list(err.errors()), mapped.provenance))
    return JSONResponse(media_type=FHIR_JSON, content=_as_resource(reference, Status.INFORMATION_ADDED, []))


@router.get("/metadata", summary="What this FHIR door accepts: its CapabilityStatement (no credentials needed)",
            response_class=FhirJSONResponse, responses={200: {"content": {FHIR_JSON: {}}}})
async def capability_statement(request: Request) -> Any:
    """FHIR's `capabilities` interaction, which a partner's client reads before anything else: the
    one resource this door creates, the profiles it reads, how to authenticate and how to ask for
    the reference and the warnings back."""
    settings = intake_of(request).settings
    base = settings.public_base_url
    return JSONResponse(media_type=FHIR_JSON, content={
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": CAPABILITIES_DATE,
        "publisher": settings.council_name,
        "kind": "instance",
        "software": {"name": "Front Door intake", "version": _version()},
        "implementation": {"description": "Front Door: the single front door for early concerns about a child's "
                                          "special educational needs and disabilities", "url": f"{base}/fhir"},
        "fhirVersion": "4.0.1",
        "format": [FHIR_JSON, "json"],
        "rest": [{
            "mode": "server",
            "documentation": (
                "POST a ServiceRequest (its Patient, Practitioner, Organization and RelatedPersons contained), or "
                "a Bundle holding them, to ServiceRequest. The same ServiceRequest.identifier again returns the "
                f"original concern (200). Send 'Prefer: return=OperationOutcome' to have the concern's reference "
                f"(identifier system {CONCERN_REFERENCE}) and any warnings back as an OperationOutcome."),
            "security": {
                "service": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                         "code": "OAuth", "display": "OAuth"}]}],
                "description": (f"A bearer token from {base}/oauth/token (OAuth 2.0 client credentials; the "
                                "partner's client needs the concerns:write scope)")},
            "resource": [{
                "type": "ServiceRequest",
                "profile": "https://fhir.hl7.org.uk/StructureDefinition/UKCore-ServiceRequest",
                "supportedProfile": ["https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient",
                                     "https://fhir.hl7.org.uk/StructureDefinition/UKCore-RelatedPerson"],
                "interaction": [
                    {"code": "create", "documentation": (
                        f"A concern about a child's SEND; needs coded from {NEED_CODE_SYSTEM}, ranges and screening "
                        f"as extensions under {EXT}")},
                    {"code": "search-type", "documentation": (
                        "identifier=<system>|<value>: the concern you submitted under that ServiceRequest.identifier "
                        f"(or {CONCERN_REFERENCE}|<reference>), as a searchset Bundle")},
                    {"code": "read", "documentation": (
                        "A concern you submitted, by its reference: status active, on-hold (the council asks for "
                        "more information, one note each), completed (it decided) or revoked (withdrawn); Front "
                        f"Door's own status in the extension {EXT}concern-status")},
                    {"code": "update", "documentation": (
                        "status active, the concern as it now stands: answers the council's request for more "
                        f"information; status revoked with the extension {EXT}withdrawal-reason (valueCode "
                        f"{', '.join(WITHDRAWAL_REASONS)}): withdraws it before the council decides")}],
                "searchParam": [{"name": "identifier", "type": "token", "documentation": (
                    "The ServiceRequest.identifier you sent, or the concern's reference")}],
            }],
        }],
    })


def _version() -> str:
    try:
        return metadata.version("frontdoor-intake")
    except metadata.PackageNotFoundError:
        return "unknown"


def _prefers_outcome(request: Request) -> bool:
    return "return=operationoutcome" in request.headers.get("prefer", "").replace(" ", "").lower()


def _accepted_outcome(reference: str, warnings: Sequence[str], mapped: FhirConcern) -> dict[str, Any]:
    """The OperationOutcome of an accepted concern: its reference, then each warning by its field."""
    issues: list[dict[str, Any]] = [{"severity": "information", "code": "informational",
                                     "details": {"text": f"accepted: the concern's reference is {reference}"},
                                     "diagnostics": "intake field: reference"}]
    for warning in warnings:
        field, _, reason = warning.partition(": ")
        issue = {"severity": "warning", "code": "incomplete", "details": {"text": reason},
                 "diagnostics": f"intake field: {field}"}
        if expression := mapped.expression_for(field):
            issue["expression"] = [expression]
        issues.append(issue)
    return {"resourceType": "OperationOutcome", "issue": issues}
