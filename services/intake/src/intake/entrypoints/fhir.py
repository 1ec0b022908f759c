"""The FHIR R4 door for NHS systems: POST /fhir/ServiceRequest (a ServiceRequest, or a Bundle
holding one with its Patient, Practitioner, Organization and RelatedPersons; see
`intake.service_layer.fhir_mapping` for the UK Core shapes and extensions read), and the
door's CapabilityStatement (GET /fhir/metadata). What the submitter does next (find, read and
update its concern) is in `intake.entrypoints.fhir_followup`.

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
from pydantic import BaseModel

from frontdoor_shared.access import can_submit_concern
from frontdoor_shared.auth import Principal
from frontdoor_shared.contracts.concern_withdrawn_v1 import WITHDRAWAL_REASONS
from intake.entrypoints.api import intake_of, principal_of
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
    map_request,
)
from intake.service_layer.submit import IdempotencyConflict, InvalidConcern, Submission

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


def refused(status: int, code: str, reason: str, field: str = "(body)") -> JSONResponse:
    return outcome(status, [Issue(code, None, field, reason)])


def caller_of(request: Request) -> Principal | JSONResponse:
    try:
        principal = principal_of(request)
    except HTTPException as err:
        return outcome(err.status_code, [Issue("login", None, "Authorization", str(err.detail))],
                       headers=dict(err.headers or {}))
    if not can_submit_concern(principal):
        return refused(403, "forbidden", "these credentials may not submit concerns", "Authorization")
    return principal


def too_large(request: Request, limit: int) -> JSONResponse | None:
    """The size limit's refusal (checked on Content-Length before any route) as an OperationOutcome."""
    if not request.url.path.startswith(router.prefix + "/"):
        return None
    return refused(413, "too-costly", f"the request body is over {limit} bytes")


async def _body(request: Request, limit: int) -> bytes | JSONResponse:
    """The body, stopped at the limit even when no Content-Length was sent (chunked)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in _MEDIA_TYPES:
        return refused(415, "not-supported", "send the resource as application/fhir+json", "Content-Type")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return refused(413, "too-costly", f"the request body is over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested beyond the parser's depth
        return refused(400, "structure", "the body is not JSON: send one FHIR resource as a JSON object")


async def sent_resource(request: Request) -> tuple[Principal, Any] | JSONResponse:
    """Who is sending, and the resource they sent as JSON; or the refusal (401/403, 413, 415, 400)."""
    principal = caller_of(request)
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
    sent = await sent_resource(request)
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
