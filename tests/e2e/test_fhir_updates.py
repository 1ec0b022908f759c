"""An NHS system that submitted a concern over FHIR follows it and changes it there, on the whole
platform (four services, real PostgreSQL and broker): it reads the ServiceRequest (on hold, with
what the council asks for), answers with an update (`active`, the concern as it now stands; triage
decides again), then withdraws it with an update (`revoked` and a reason code; the family is told
why). A second withdrawal, an answer nobody asked for and an unknown reference are refused as
OperationOutcomes."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from frontdoor_shared.auth import AuthSettings, Principal, Tokens
from intake.entrypoints.fhir import EXAMPLE_REQUEST
from intake.service_layer.fhir_mapping import EXT, SCREENING_OUTCOME_SYSTEM, SCREENING_TOOL_SYSTEM
from tests.support import auth, mailbox, status_of, wait_for

pytestmark = pytest.mark.e2e

FHIR = {"Content-Type": "application/fhir+json"}


def _url(platform: Any, reference: str = "") -> str:
    return f"http://127.0.0.1:{platform.ports['intake']}/fhir/ServiceRequest" + (f"/{reference}" if reference else "")


def _without_evidence() -> dict[str, Any]:
    """A GP's request about a toddler's speech at range 3 with no screening and nothing tried yet:
    the default policy asks for both before it decides."""
    sr = copy.deepcopy(EXAMPLE_REQUEST)
    sr["identifier"] = [{"system": "https://trust.example/Id/referral", "value": "REF-FHIR-UPDATES"}]
    sr["extension"] = [e for e in sr["extension"] if e["url"] != EXT + "tried"] + [
        {"url": EXT + "send-range", "extension": [{"url": "area", "valueCode": "C&I"},
                                                  {"url": "range", "valueInteger": 3}]}]
    sr.pop("supportingInfo")
    sr["contained"] = [r for r in sr["contained"] if r["resourceType"] != "Observation"]
    patient = next(r for r in sr["contained"] if r["resourceType"] == "Patient")
    patient["name"] = [{"family": "Testchild", "given": ["Fhirupdated"]}]
    patient["birthDate"] = (date.today() - timedelta(days=915)).isoformat()
    return sr


def _with_evidence(sr: dict[str, Any], reference: str) -> dict[str, Any]:
    answered = copy.deepcopy(sr) | {"id": reference}
    answered["extension"].append({"url": EXT + "tried", "extension": [
        {"url": "what", "valueString": "Small group language sessions at nursery"},
        {"url": "weeks", "valueInteger": 10}]})
    answered["supportingInfo"] = [{"reference": "#wellcomm"}]
    answered["contained"].append({
        "resourceType": "Observation", "id": "wellcomm", "status": "final",
        "code": {"coding": [{"system": SCREENING_TOOL_SYSTEM, "code": "WellComm"}]},
        "interpretation": [{"coding": [{"system": SCREENING_OUTCOME_SYSTEM, "code": "red"}]}],
        "extension": [{"url": EXT + "send-area", "valueCode": "C&I"}]})
    return answered


def _revoke(reason: str, reference: str) -> dict[str, Any]:
    return {"resourceType": "ServiceRequest", "id": reference, "status": "revoked", "intent": "order",
            "subject": {"display": "the child"}, "extension": [{"url": EXT + "withdrawal-reason", "valueCode": reason}]}


def test_a_fhir_submitter_reads_answers_and_withdraws_its_concern(platform) -> None:  # type: ignore[no-untyped-def]
    headers = {**FHIR, **auth(platform)}
    sr = _without_evidence()
    created = httpx.post(_url(platform), json=sr, headers=headers, timeout=10)
    assert created.status_code == 201, created.text
    reference = created.json()["id"]
    wait_for(lambda: status_of(platform, reference)["status"] == "more-information-needed", 60, "triage asks")

    def search(identifier: str) -> list[dict[str, Any]]:
        found = httpx.get(_url(platform), params={"identifier": identifier}, headers=auth(platform), timeout=10)
        assert found.status_code == 200, found.text
        assert (found.json()["resourceType"], found.json()["type"]) == ("Bundle", "searchset")
        return [e["resource"] for e in found.json()["entry"]]

    [by_ours] = search("https://trust.example/Id/referral|REF-FHIR-UPDATES")  # a lost reference, found again
    [by_reference] = search(f"https://frontdoor.example/Id/concern-reference|{reference}")
    assert by_ours["id"] == by_reference["id"] == reference
    assert search("https://trust.example/Id/referral|NEVER-SENT") == []

    read = httpx.get(_url(platform, reference), headers=auth(platform), timeout=10)
    assert read.status_code == 200, read.text
    assert read.headers["content-type"].startswith("application/fhir+json")
    body = read.json()
    assert (body["resourceType"], body["id"], body["status"]) == ("ServiceRequest", reference, "on-hold")
    assert {"url": EXT + "concern-status", "valueCode": "more-information-needed"} in body["extension"]
    asked = [n["text"] for n in body["note"]]
    assert any("WellComm" in n for n in asked)
    assert all(n.startswith("The council asks for: ") for n in asked)
    assert "Fhirupdated" not in read.text  # nothing about the child comes back

    answered = httpx.put(_url(platform, reference), json=_with_evidence(sr, reference), headers=headers, timeout=10)
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "active"
    wait_for(lambda: status_of(platform, reference)["status"] == "listed-for-panel", 60, "triage decides again")
    history = status_of(platform, reference)["history"]
    [added] = [h for h in history if h["status"] == "information-added"]
    assert added["detail"] == {"revision": 2}

    again = httpx.put(_url(platform, reference), json=_with_evidence(sr, reference), headers=headers, timeout=10)
    assert again.status_code == 409
    assert "has not asked for more information" in again.json()["issue"][0]["details"]["text"]

    withdrawn = httpx.put(_url(platform, reference), json=_revoke("moved-away", reference), headers=headers,
                          timeout=10)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "revoked"

    def family() -> list[dict[str, Any]]:
        return [m for m in mailbox(platform, reference) if m["template"] == "family/concern-withdrawn"]

    wait_for(lambda: len(family()) == 1, 60, "the family told")
    assert "because the family has moved out of the council's area" in family()[0]["body"]
    after = httpx.get(_url(platform, reference), headers=auth(platform), timeout=10).json()
    assert after["status"] == "revoked"
    assert {"url": EXT + "concern-status", "valueCode": "withdrawn"} in after["extension"]

    twice = httpx.put(_url(platform, reference), json=_revoke("needs-met", reference), headers=headers, timeout=10)
    assert twice.status_code == 409
    assert twice.json()["resourceType"] == "OperationOutcome"

    dpo = Tokens(AuthSettings()).issue(Principal("dpo-e2e", "staff", "data-protection-officer"))
    erased = httpx.post(f"http://127.0.0.1:{platform.ports['intake']}/api/v1/concerns/{reference}/erasure",
                        headers={"Authorization": f"Bearer {dpo}", "X-Purpose": "erasure-request DP-2026-18"},
                        timeout=30)
    assert erased.status_code == 200, erased.text
    gone = httpx.get(_url(platform, reference), headers=auth(platform), timeout=10)
    assert gone.status_code == 410  # its details destroyed: gone, as FHIR says of a deleted resource
    assert (gone.json()["resourceType"], gone.json()["issue"][0]["code"]) == ("OperationOutcome", "deleted")
    assert search("https://trust.example/Id/referral|REF-FHIR-UPDATES") == []  # erased: nothing to find


def test_an_unknown_reference_is_not_found_for_read_and_update(platform) -> None:  # type: ignore[no-untyped-def]
    headers = {**FHIR, **auth(platform)}
    assert httpx.get(_url(platform, "FD-ZZZZ-ZZZZ"), headers=auth(platform), timeout=10).status_code == 404
    refused = httpx.put(_url(platform, "FD-ZZZZ-ZZZZ"), json=_revoke("needs-met", "FD-ZZZZ-ZZZZ"), headers=headers,
                        timeout=10)
    assert (refused.status_code, refused.json()["issue"][0]["code"]) == (404, "not-found")
