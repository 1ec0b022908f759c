"""Unit tests for POST /fhir/ServiceRequest with a fake intake (no database): every refusal is an
OperationOutcome with the right status, and an accepted request answers with its reference."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from frontdoor_shared.auth import Principal, Tokens
from intake.entrypoints import fhir, fhir_followup
from intake.service_layer.fhir_mapping import EXT, NEED_CODE_SYSTEM
from intake.service_layer.submit import Accepted, IdempotencyConflict, InvalidConcern, Submission

PARTNER = Principal(subject="nhs-system", kind="partner", scopes=frozenset({"concerns:write"}))
PANEL = Principal(subject="panel-chair", kind="staff", role="panel-chair")
DOB = (date.today() - timedelta(days=900)).isoformat()


@dataclass
class FakeIntake:
    tokens: Tokens = field(default_factory=Tokens)
    settings: Any = field(default_factory=lambda: SimpleNamespace(max_body_bytes=64 * 1024,
                                                                  public_base_url="http://intake.test"))
    keys: dict[str, tuple[str, Any]] = field(default_factory=dict)
    refuse: Exception | None = None

    async def submit(self, sub: Submission) -> Accepted:
        if self.refuse:
            raise self.refuse
        assert sub.idempotency_key is not None
        if sub.idempotency_key in self.keys:
            reference, concern = self.keys[sub.idempotency_key]
            if concern != sub.concern:
                raise IdempotencyConflict("used before")
            return Accepted(reference, uuid.uuid4(), False)
        self.keys[sub.idempotency_key] = (f"FD-TEST-000{len(self.keys) + 1}", sub.concern)
        return Accepted(self.keys[sub.idempotency_key][0], uuid.uuid4(), True)


@pytest.fixture
def intake() -> FakeIntake:
    return FakeIntake()


@pytest.fixture
def client(intake: FakeIntake) -> TestClient:
    app = FastAPI()
    app.state.intake = intake
    app.include_router(fhir.router)
    app.include_router(fhir_followup.router)
    return TestClient(app)


def _as(intake: FakeIntake, who: Principal = PARTNER) -> dict[str, str]:
    return {"Authorization": f"Bearer {intake.tokens.issue(who)}", "Content-Type": "application/fhir+json"}


def a_request(identifier: str = "REF-1") -> dict[str, Any]:
    """A ServiceRequest with its Patient, Practitioner, Organization and RelatedPerson contained."""
    return {
        "resourceType": "ServiceRequest", "status": "active", "intent": "order",
        "identifier": [{"system": "https://trust.example/Id/referral", "value": identifier}],
        "subject": {"reference": "#p"}, "requester": {"reference": "#hv"},
        "reasonCode": [{"coding": [{"system": NEED_CODE_SYSTEM, "code": "SLCN"}]}],
        "note": [{"text": "Uses very few words at 30 months and is frustrated."}],
        "extension": [{"url": EXT + "referrer-role", "valueCode": "gp"},
                      {"url": EXT + "parent-informed", "valueBoolean": True}],
        "contained": [
            {"resourceType": "Patient", "id": "p", "name": [{"family": "Testchild", "given": ["Amara"]}],
             "birthDate": DOB, "address": [{"postalCode": "LS1 4AP"}]},
            {"resourceType": "Practitioner", "id": "hv", "name": [{"text": "Dr Gina Practice"}],
             "telecom": [{"system": "email", "value": "gina@nhs.example"}]},
            {"resourceType": "Organization", "id": "o", "name": "Model Surgery"},
            {"resourceType": "RelatedPerson", "id": "mum", "name": [{"family": "Testparent", "given": ["Grace"]}],
             "telecom": [{"system": "email", "value": "grace@example.com"}]},
        ],
    }


def _post(client: TestClient, headers: dict[str, str], body: Any) -> Any:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post("/fhir/ServiceRequest", content=content, headers=headers)


def test_an_accepted_request_answers_201_with_its_reference_and_where_to_follow_it(
        client: TestClient, intake: FakeIntake) -> None:
    r = _post(client, _as(intake), a_request())
    assert r.status_code == 201
    assert r.headers["content-type"].startswith("application/fhir+json")
    assert r.headers["location"] == "http://intake.test/api/v1/concerns/FD-TEST-0001"
    body = r.json()
    assert body["resourceType"] == "ServiceRequest"
    assert {"system": "https://frontdoor.example/Id/concern-reference", "value": "FD-TEST-0001"} in body["identifier"]
    assert "Amara" not in r.text  # nothing about the child is echoed


def test_the_same_identifier_again_answers_200_with_the_original_reference(
        client: TestClient, intake: FakeIntake) -> None:
    _post(client, _as(intake), a_request())
    again = _post(client, _as(intake), a_request())
    assert (again.status_code, again.json()["id"]) == (200, "FD-TEST-0001")


def test_an_identifier_reused_for_another_request_is_a_422_on_the_identifier(
        client: TestClient, intake: FakeIntake) -> None:
    _post(client, _as(intake), a_request())
    changed = a_request()
    changed["note"][0]["text"] = "Something else altogether about this child."
    r = _post(client, _as(intake), changed)
    assert r.status_code == 422
    assert r.json()["issue"][0]["expression"] == ["ServiceRequest.identifier"]


def test_a_rule_that_needs_the_day_received_is_located_in_the_request(
        client: TestClient, intake: FakeIntake) -> None:
    intake.refuse = InvalidConcern("child.date_of_birth", "this date is in the future")
    issue = _post(client, _as(intake), a_request()).json()["issue"][0]
    assert issue["expression"] == ["Patient.birthDate"]
    assert issue["diagnostics"] == "intake field: child.date_of_birth"


def test_an_invalid_field_is_an_operation_outcome_naming_the_element_and_the_intake_field(
        client: TestClient, intake: FakeIntake) -> None:
    bad = a_request()
    bad["contained"][0]["address"][0]["postalCode"] = "NOT A CODE"
    r = _post(client, _as(intake), bad)
    assert r.status_code == 422
    assert r.json() == {"resourceType": "OperationOutcome", "issue": [{
        "severity": "error", "code": "value", "expression": ["Patient.address[0].postalCode"],
        "diagnostics": "intake field: child.postcode",
        "details": {"text": "enter a full UK postcode: 2 to 4 characters, a space, then a digit and 2 letters"}}]}


@pytest.mark.parametrize(("body", "status", "code"), [
    (b"{not json", 400, "structure"),
    (b"[" * 50_000, 400, "structure"),
    (b"\xff\xfe", 400, "structure"),
    (b"[]", 422, "invalid"),
    (b'{"resourceType": "Patient"}', 422, "invalid"),
    (b"{" + b" " * 70_000 + b"}", 413, "too-costly"),
])
def test_malformed_bodies_are_refused_with_an_operation_outcome(
        client: TestClient, intake: FakeIntake, body: bytes, status: int, code: str) -> None:
    r = _post(client, _as(intake), body)
    assert (r.status_code, r.json()["resourceType"], r.json()["issue"][0]["code"]) == (
        status, "OperationOutcome", code)


def test_a_body_that_is_not_fhir_json_is_415(client: TestClient, intake: FakeIntake) -> None:
    r = _post(client, {**_as(intake), "Content-Type": "text/plain"}, a_request())
    assert (r.status_code, r.json()["issue"][0]["code"]) == (415, "not-supported")


def test_requests_without_valid_credentials_are_refused(client: TestClient, intake: FakeIntake) -> None:
    assert _post(client, {"Content-Type": "application/fhir+json"}, a_request()).status_code == 401
    forged = {"Authorization": "Bearer x.y.z", "Content-Type": "application/fhir+json"}
    assert _post(client, forged, a_request()).json()["issue"][0]["code"] == "login"
    assert _post(client, _as(intake, PANEL), a_request()).status_code == 403
    assert intake.keys == {}


def _put(client: TestClient, headers: dict[str, str], body: Any, reference: str = "FD-TEST-0001") -> Any:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.put(f"/fhir/ServiceRequest/{reference}", content=content, headers=headers)


def _revoked(**extra: Any) -> dict[str, Any]:
    return {"resourceType": "ServiceRequest", "status": "revoked", "intent": "order",
            "subject": {"display": "the child"}, **extra}


@pytest.mark.parametrize(("body", "status", "expression", "field", "says"), [
    (_revoked(), 422, "ServiceRequest.extension", "reason", "withdrawal-reason"),
    (_revoked(extension=[{"url": EXT + "withdrawal-reason", "valueCode": "changed-my-mind"}]), 422,
     "ServiceRequest.extension", "reason", "needs-met, family-declined, moved-away, raised-in-error"),
    (_revoked(id="FD-TEST-0002", extension=[{"url": EXT + "withdrawal-reason", "valueCode": "moved-away"}]), 400,
     None, "id", "must be FD-TEST-0001"),
    ({**a_request(), "status": "completed"}, 422, "ServiceRequest.status", "status", "active (to answer"),
    ({"resourceType": "Bundle", "entry": []}, 422, None, "resourceType", "the ServiceRequest itself"),
])
def test_an_update_that_is_not_one_of_the_two_changes_names_the_element_and_why(
        client: TestClient, intake: FakeIntake, body: Any, status: int, expression: str | None, field: str,
        says: str) -> None:
    r = _put(client, _as(intake), body)
    assert r.status_code == status, r.text
    [issue] = r.json()["issue"]
    assert issue.get("expression") == ([expression] if expression else None)
    assert issue["diagnostics"] == f"intake field: {field}"
    assert says in issue["details"]["text"]


def test_an_answer_that_is_not_a_valid_concern_is_located_in_the_request(
        client: TestClient, intake: FakeIntake) -> None:
    bad = a_request()
    bad["reasonCode"] = []
    r = _put(client, _as(intake), bad)
    assert r.status_code == 422
    assert r.json()["issue"][0]["diagnostics"] == "intake field: concern.need_codes"


def test_updates_and_reads_need_credentials_that_may_submit(client: TestClient, intake: FakeIntake) -> None:
    revoke = _revoked(extension=[{"url": EXT + "withdrawal-reason", "valueCode": "moved-away"}])
    assert _put(client, {"Content-Type": "application/fhir+json"}, revoke).status_code == 401
    assert _put(client, _as(intake, PANEL), revoke).status_code == 403
    assert _put(client, {**_as(intake), "Content-Type": "text/plain"}, revoke).status_code == 415
    assert client.get("/fhir/ServiceRequest/FD-TEST-0001").status_code == 401
    assert client.get("/fhir/ServiceRequest/FD-TEST-0001", headers=_as(intake, PANEL)).status_code == 403


def test_a_search_needs_an_identifier_with_a_system_and_a_value(client: TestClient, intake: FakeIntake) -> None:
    for asked in ({}, {"identifier": "REF-1"}, {"identifier": "|REF-1"}, {"identifier": "https://trust.example|"}):
        r = client.get("/fhir/ServiceRequest", params=asked, headers=_as(intake))
        assert r.status_code == 400, asked
        assert r.json()["issue"][0]["diagnostics"] == "intake field: identifier"
    assert client.get("/fhir/ServiceRequest", params={"identifier": "a|b"}).status_code == 401


def test_the_capability_statement_offers_read_and_both_updates(client: TestClient, intake: FakeIntake) -> None:
    intake.settings.council_name = "Test council"
    [resource] = client.get("/fhir/metadata").json()["rest"][0]["resource"]
    interactions = {i["code"]: i["documentation"] for i in resource["interaction"]}
    assert set(interactions) == {"create", "search-type", "read", "update"}
    assert "withdrawal-reason" in interactions["update"]
    assert "on-hold" in interactions["read"]


@pytest.mark.parametrize(("status", "fhir"), [
    ("submitted", "active"), ("more-information-needed", "on-hold"), ("routed", "completed"),
    ("panel-decided", "completed"), ("referral-accepted", "completed"), ("appointment-booked", "completed"),
    ("referral-declined", "completed"), ("withdrawn", "revoked")])
def test_a_concern_the_council_decided_stays_completed_whatever_the_team_answers(status: str, fhir: str) -> None:
    from intake.entrypoints.fhir_followup import _as_resource

    resource = _as_resource("FD-7K3M-9QXP", status, [])
    assert resource["status"] == fhir
    assert resource["extension"][0]["valueCode"] == status
