"""The OpenAPI document declares every answer intake gives (found by fuzzing it, tests/security):
the refusals, in the shape they are sent, and an example concern that intake accepts."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient

from frontdoor_shared.web import harden
from intake.entrypoints import api, auth_routes, fhir, fhir_followup
from intake.entrypoints.errors import OAuthError, Problem, unprocessable
from intake.service_layer.fhir_mapping import map_request
from intake.service_layer.schemas import ConcernIn


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    app = FastAPI()
    for router in (api.router, auth_routes.router, fhir.router, fhir_followup.router):
        app.include_router(router)
    return app.openapi()


def _schema_ref(document: dict[str, Any], path: str, method: str, status: int, media: str = "application/json") -> str:
    response = document["paths"][path][method]["responses"][str(status)]
    return response["content"][media]["schema"]["$ref"].rpartition("/")[2]  # type: ignore[no-any-return]


@pytest.mark.parametrize(("path", "method", "statuses"), [
    ("/api/v1/concerns", "post", (400, 401, 403, 413, 415, 422, 503)),
    ("/api/v1/concerns", "get", (401, 503)),
    ("/api/v1/concerns/{reference}", "get", (401, 404, 422, 503)),
    ("/api/v1/referrals/{reference}", "get", (401, 404, 422, 503)),
])
def test_the_json_api_declares_its_refusals_as_problems(document, path, method, statuses) -> None:  # type: ignore[no-untyped-def]
    for status in statuses:
        assert _schema_ref(document, path, method, status) == "Problem", (path, method, status)


def test_a_repeated_idempotency_key_is_a_declared_200(document) -> None:  # type: ignore[no-untyped-def]
    assert _schema_ref(document, "/api/v1/concerns", "post", 200) == "AcceptedOut"


def test_the_token_endpoint_declares_oauth_errors_and_rate_limits(document) -> None:  # type: ignore[no-untyped-def]
    bad = document["paths"]["/oauth/token"]["post"]["responses"]["400"]["content"]["application/json"]["schema"]
    assert {ref["$ref"].rpartition("/")[2] for ref in bad["anyOf"]} == {"OAuthError", "Problem"}
    assert _schema_ref(document, "/oauth/token", "post", 401) == "OAuthError"
    assert _schema_ref(document, "/oauth/token", "post", 429) == "Problem"
    assert _schema_ref(document, "/oauth/token", "post", 200) == "TokenOut"


def test_fhir_refusals_are_operation_outcomes_in_fhir_json(document) -> None:  # type: ignore[no-untyped-def]
    operation = document["paths"]["/fhir/ServiceRequest"]["post"]
    for status in (400, 401, 403, 413, 415, 422):
        assert _schema_ref(document, "/fhir/ServiceRequest", "post", status, fhir.FHIR_JSON) == "OperationOutcome"
    assert set(operation["responses"]["201"]["content"]) == {fhir.FHIR_JSON}
    assert fhir.FHIR_JSON in operation["requestBody"]["content"]


def test_the_fhir_capability_statement_is_declared_in_fhir_json(document) -> None:  # type: ignore[no-untyped-def]
    assert set(document["paths"]["/fhir/metadata"]["get"]["responses"]["200"]["content"]) == {fhir.FHIR_JSON}


def test_the_documented_example_concern_is_one_intake_accepts(document) -> None:  # type: ignore[no-untyped-def]
    content = document["paths"]["/api/v1/concerns"]["post"]["requestBody"]["content"]["application/json"]
    (example,) = content["examples"].values()
    ConcernIn.model_validate(example["value"])


def test_the_documented_example_service_request_is_one_intake_accepts(document) -> None:  # type: ignore[no-untyped-def]
    content = document["paths"]["/fhir/ServiceRequest"]["post"]["requestBody"]["content"][fhir.FHIR_JSON]
    (example,) = content["examples"].values()
    mapped = map_request(example["value"])
    assert mapped.concern.child.postcode == "SW1A 1AA"


def test_the_problem_model_describes_the_bodies_sent() -> None:
    app = FastAPI()

    @app.get("/refused")
    def refused() -> None:
        raise HTTPException(403, detail="your role does not allow this")

    sent = TestClient(app).get("/refused").json()
    assert Problem.model_validate(sent).detail == "your role does not allow this"
    invalid = Problem.model_validate_json(unprocessable([{"field": "child.postcode", "reason": "r"}]).body)
    assert invalid.errors is not None
    assert invalid.errors[0].field == "child.postcode"
    with pytest.raises(ValueError, match="error_description"):
        OAuthError.model_validate({"error": "invalid_client"})


def test_a_fhir_body_over_the_limit_is_refused_as_an_operation_outcome() -> None:
    """The size limit is checked on Content-Length before any route: for the FHIR door it answers
    in FHIR, as the document says; everywhere else as a Problem."""
    app = FastAPI()

    @app.post("/fhir/ServiceRequest")
    @app.post("/api/v1/concerns")
    def accept() -> None:
        raise AssertionError("the size limit comes first")

    harden(app, production=False, max_body_bytes=100, too_large=fhir.too_large)
    client = TestClient(app)
    refused = client.post("/fhir/ServiceRequest", content=b"{" + b" " * 200 + b"}",
                          headers={"Content-Type": fhir.FHIR_JSON})
    assert refused.status_code == 413
    assert refused.headers["content-type"] == fhir.FHIR_JSON
    outcome = fhir.OperationOutcome.model_validate(refused.json())
    assert outcome.issue[0].code == "too-costly"
    api_refused = client.post("/api/v1/concerns", content=b"{" + b" " * 200 + b"}",
                              headers={"Content-Type": "application/json"})
    assert api_refused.status_code == 413
    assert Problem.model_validate(api_refused.json()).errors is not None
