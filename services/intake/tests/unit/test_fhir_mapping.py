"""Unit tests for the FHIR door's mapping: a UK Core-shaped request becomes the one ConcernIn,
and every fault names the FHIR element and the intake field (test data: 999 NHS numbers)."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import pytest

from intake.service_layer.fhir_mapping import (
    EXT,
    NEED_CODE_SYSTEM,
    SCREENING_OUTCOME_SYSTEM,
    SCREENING_TOOL_SYSTEM,
    FhirInvalid,
    map_request,
)
from intake.service_layer.schemas import ConcernIn

DOB = (date.today() - timedelta(days=900)).isoformat()


def a_bundle() -> dict[str, Any]:
    """A transaction Bundle as an NHS system would send it (UK Core shapes, Front Door extensions)."""
    patient = {
        "resourceType": "Patient", "id": "child",
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990000018"}],
        "name": [{"use": "official", "family": "Testchild", "given": ["Amara"]}],
        "gender": "female", "birthDate": DOB,
        "address": [{"use": "home", "line": ["1 Test Street"], "postalCode": "sw1a 1aa"}],
        "extension": [{"url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSCommunication",
                       "extension": [{"url": "language", "valueCodeableConcept": {"coding": [{"code": "pl"}]}},
                                     {"url": "interpreterRequired", "valueBoolean": True}]}],
    }
    practitioner = {
        "resourceType": "Practitioner", "id": "hv",
        "name": [{"family": "Visitor", "given": ["Hannah"]}],
        "telecom": [{"system": "email", "value": "hannah.visitor@nhs.example"},
                    {"system": "phone", "value": "0113 496 0000"}],
    }
    organization = {
        "resourceType": "Organization", "id": "trust", "name": "Model NHS Trust",
        "identifier": [{"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "rx1"}],
    }
    parent = {
        "resourceType": "RelatedPerson", "id": "mum", "patient": {"reference": "Patient/child"},
        "relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                                      "code": "MTH"}]}],
        "name": [{"family": "Testparent", "given": ["Grace"]}],
        "telecom": [{"system": "email", "value": "grace.testparent@example.com"},
                    {"system": "phone", "value": "07700 900123"}],
    }
    service_request = {
        "resourceType": "ServiceRequest", "id": "sr",
        "identifier": [{"system": "https://trust.example/Id/referral", "value": "REF-0001"}],
        "status": "active", "intent": "order", "priority": "urgent",
        "subject": {"reference": "urn:uuid:patient-1"},
        "requester": {"reference": "Practitioner/hv"},
        "reasonCode": [{"coding": [{"system": NEED_CODE_SYSTEM, "code": "SLCN"}]},
                       {"coding": [{"system": "http://snomed.info/sct", "code": "229717003"},
                                   {"system": NEED_CODE_SYSTEM, "code": "ASD"}]}],
        "note": [{"text": "Uses very few words at 30 months and is frustrated when not understood."}],
        "extension": [
            {"url": EXT + "referrer-role", "valueCode": "health-visitor"},
            {"url": EXT + "send-range", "extension": [{"url": "area", "valueCode": "C&I"},
                                                      {"url": "range", "valueInteger": 3}]},
            {"url": EXT + "parent-informed", "valueBoolean": True},
            {"url": EXT + "consent-to-share-with", "valueCode": "health"},
            {"url": EXT + "consent-to-share-with", "valueCode": "speech-and-language"},
        ],
    }
    entries = [("urn:uuid:sr-1", service_request), ("urn:uuid:patient-1", patient),
               ("urn:uuid:hv-1", practitioner), ("urn:uuid:trust-1", organization), ("urn:uuid:mum-1", parent)]
    return {"resourceType": "Bundle", "type": "transaction",
            "entry": [{"fullUrl": url, "resource": res} for url, res in entries]}


EXPECTED = ConcernIn.model_validate({
    "child": {"given_name": "Amara", "family_name": "Testchild", "date_of_birth": DOB,
              "nhs_number": "9990000018", "sex": "female", "postcode": "SW1A 1AA"},
    "family": {"carers": [{"given_name": "Grace", "family_name": "Testparent", "relationship": "mother",
                           "email": "grace.testparent@example.com", "phone": "07700 900123"}],
               "preferred_channel": "email", "language": "pl", "interpreter_needed": True,
               "consent_to_share_with": ["health", "speech-and-language"]},
    "referrer": {"name": "Hannah Visitor", "role": "health-visitor", "organisation": "Model NHS Trust",
                 "ods_code": "RX1", "email": "hannah.visitor@nhs.example", "phone": "0113 496 0000"},
    "concern": {"need_codes": ["SLCN", "ASD"], "ranges": [{"area": "C&I", "range": 3}],
                "description": "Uses very few words at 30 months and is frustrated when not understood.",
                "urgency": "high", "safeguarding": False, "parent_informed": True},
})


def _resource(bundle: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind)


def _sr(bundle: dict[str, Any]) -> dict[str, Any]:
    return _resource(bundle, "ServiceRequest")


def _fault(payload: Any) -> tuple[str | None, str, str]:
    with pytest.raises(FhirInvalid) as caught:
        map_request(payload)
    issue = caught.value.issues[0]
    return issue.expression, issue.field, issue.code


def test_a_uk_core_bundle_becomes_the_same_concern_as_the_api_would_accept() -> None:
    mapped = map_request(a_bundle())
    assert mapped.concern == EXPECTED
    assert mapped.idempotency_key == "fhir|https://trust.example/Id/referral|REF-0001"


def test_a_service_request_with_contained_resources_maps_the_same() -> None:
    bundle = a_bundle()
    sr = _sr(bundle)
    sr["contained"] = [e["resource"] for e in bundle["entry"][1:]]
    sr["subject"] = {"reference": "#child"}
    sr["requester"] = {"reference": "#hv"}
    assert map_request(sr).concern == EXPECTED


def test_a_practitioner_role_leads_to_the_practitioner_and_organisation() -> None:
    bundle = a_bundle()
    role = {"resourceType": "PractitionerRole", "id": "role", "practitioner": {"reference": "Practitioner/hv"},
            "organization": {"reference": "Organization/trust"}}
    bundle["entry"].append({"fullUrl": "urn:uuid:role-1", "resource": role})
    _sr(bundle)["requester"] = {"reference": "urn:uuid:role-1"}
    assert map_request(bundle).concern.referrer == EXPECTED.referrer


def test_fhir_priorities_map_to_intake_urgency() -> None:
    bundle = a_bundle()
    for priority, urgency in (("routine", "routine"), ("urgent", "high"), ("asap", "urgent"), ("stat", "urgent")):
        _sr(bundle)["priority"] = priority
        assert map_request(bundle).concern.concern.urgency == urgency


def test_a_pre_birth_concern_uses_the_expected_delivery_date_extension() -> None:
    bundle = a_bundle()
    patient = _resource(bundle, "Patient")
    del patient["birthDate"]
    edd = (date.today() + timedelta(days=60)).isoformat()
    patient["extension"].append({"url": EXT + "expected-delivery-date", "valueDate": edd})
    assert map_request(bundle).concern.child.expected_delivery_date == date.fromisoformat(edd)


def _broken(change: Any) -> dict[str, Any]:
    bundle = a_bundle()
    change(bundle)
    return bundle


def _set(kind: str, path: tuple[Any, ...], value: Any) -> Any:
    def change(bundle: dict[str, Any]) -> None:
        target: Any = _resource(bundle, kind)
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
    return change


def _drop(kind: str, key: str) -> Any:
    return lambda bundle: _resource(bundle, kind).pop(key)


def _without(kind: str) -> Any:
    def change(bundle: dict[str, Any]) -> None:
        bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] != kind]
    return change


@pytest.mark.parametrize(("change", "expression", "field"), [
    (_set("Patient", ("identifier", 0, "value"), "999 000 0019"), "Patient.identifier[0].value",
     "child.nhs_number"),
    (_set("Patient", ("identifier",), [{"system": "https://frontdoor.example/Id/upn", "value": "Z801200001001"}]),
     "Patient.identifier[0].value", "child.upn"),
    (_set("Patient", ("address", 0, "postalCode"), "NOT A CODE"), "Patient.address[0].postalCode",
     "child.postcode"),
    (_drop("Patient", "address"), "Patient.address", "child.postcode"),
    (_set("Patient", ("name", 0, "family"), ""), "Patient.name[0].family", "child.family_name"),
    (_set("Patient", ("gender",), "boy"), "Patient.gender", "child.sex"),
    (_set("ServiceRequest", ("reasonCode", 0, "coding", 0, "code"), "XYZ"),
     "ServiceRequest.reasonCode[0].coding[0].code", "concern.need_codes.0"),
    (_set("ServiceRequest", ("reasonCode",), []), "ServiceRequest.reasonCode", "concern.need_codes"),
    (_set("ServiceRequest", ("extension", 1, "extension", 1, "valueInteger"), 9),
     "ServiceRequest.extension[1].extension[1].valueInteger", "concern.ranges.0.range"),
    (_set("ServiceRequest", ("extension", 2, "valueBoolean"), None), "ServiceRequest.extension[2].valueBoolean",
     "concern.parent_informed"),
    (_set("ServiceRequest", ("note",), []), "ServiceRequest.note", "concern.description"),
    (_set("ServiceRequest", ("priority",), ["urgent"]), "ServiceRequest.priority", "concern.urgency"),
    (_drop("ServiceRequest", "identifier"), "ServiceRequest.identifier", "Idempotency-Key"),
    (_without("Patient"), "ServiceRequest.subject.reference", "child"),
    (_without("RelatedPerson"), "RelatedPerson", "family.carers"),
    (_set("RelatedPerson", ("telecom", 0, "value"), "grace.example.com"), "RelatedPerson.telecom[0].value",
     "family.carers.0.email"),
    (_set("Practitioner", ("telecom",), []), "Practitioner.telecom", "referrer.email"),
    (_without("Organization"), "Organization.name", "referrer.organisation"),
    (_set("Organization", ("identifier", 0, "value"), "R!"), "Organization.identifier[0].value",
     "referrer.ods_code"),
    (_set("ServiceRequest", ("extension", 0, "valueCode"), "astronaut"), "ServiceRequest.extension[0].valueCode",
     "referrer.role"),
    (_set("ServiceRequest", ("note",), "not a list"), "ServiceRequest.note", "(body)"),
])
def test_each_fault_names_the_fhir_element_and_the_intake_field(change: Any, expression: str, field: str) -> None:
    assert _fault(_broken(change))[:2] == (expression, field)


def test_a_phone_is_needed_when_the_family_prefers_text_messages() -> None:
    def change(bundle: dict[str, Any]) -> None:
        parent = _resource(bundle, "RelatedPerson")
        parent["telecom"] = [{"system": "email", "value": "grace.testparent@example.com"}]
        parent["extension"] = [{"url": EXT + "preferred-contact-channel", "valueCode": "sms"}]
    assert _fault(_broken(change))[:2] == ("RelatedPerson.telecom", "family.carers.0.phone")


def test_an_nhs_referrer_must_say_whether_the_parent_was_told() -> None:
    def change(bundle: dict[str, Any]) -> None:
        _sr(bundle)["extension"].pop(2)
    expression, field, code = _fault(_broken(change))
    assert (field, code) == ("concern.parent_informed", "value")
    assert "parent-informed" in str(expression)


def test_a_missing_element_is_required_and_a_wrong_one_is_a_value_fault() -> None:
    assert _fault(_broken(_drop("Patient", "address")))[2] == "required"
    assert _fault(_broken(_set("Patient", ("address", 0, "postalCode"), "NOT A CODE")))[2] == "value"


@pytest.mark.parametrize(("payload", "expression"), [
    ([], None),
    ("ServiceRequest", None),
    ({"resourceType": "Patient"}, "resourceType"),
    ({"resourceType": "Bundle", "type": "searchset", "entry": []}, "Bundle.type"),
    ({"resourceType": "Bundle", "type": "collection", "entry": []}, "Bundle.entry"),
    ({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": 5}]}, "Bundle.entry[0].resource"),
    ({"resourceType": "Bundle", "type": "collection", "entry": {"resource": {}}}, "Bundle.entry"),
    ({"resourceType": "ServiceRequest", "identifier": [{"system": "s", "value": "v"}]},
     "ServiceRequest.subject.reference"),
])
def test_a_request_of_the_wrong_shape_is_refused_by_name(payload: Any, expression: str | None) -> None:
    assert _fault(payload)[0] == expression


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    return [prefix, *(p for key, child in children for p in _paths(child, (*prefix, key)))]


def _mangled(value: Any) -> list[dict[str, Any]]:
    """The valid bundle with each element, at every depth, in turn replaced by `value`."""
    bundle, out = a_bundle(), []
    for path in _paths(bundle)[1:]:
        changed = copy.deepcopy(bundle)
        target = changed
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
        out.append(changed)
    return out


def _named_or_accepted(payload: Any) -> bool:
    try:
        map_request(payload)
    except FhirInvalid as err:
        return bool(err.issues) and all(i.reason and i.field for i in err.issues)
    return True


@pytest.mark.parametrize("value", [None, 7, "text", "", [], [7], {}, [{"url": ["x"]}], [[]], True])
def test_no_shape_of_element_escapes_as_anything_but_a_named_fault(value: Any) -> None:
    assert all(_named_or_accepted(payload) for payload in _mangled(value))


def _with_evidence(bundle: dict[str, Any]) -> dict[str, Any]:
    """What has been tried (Front Door's extension) and two screening results (Observations named in
    supportingInfo, one contained and one in the Bundle), beside a document that is not read."""
    sr = _sr(bundle)
    sr["extension"] += [
        {"url": EXT + "tried", "extension": [{"url": "what", "valueString": "Small group language sessions"},
                                             {"url": "weeks", "valueInteger": 12}]},
        {"url": EXT + "tried", "extension": [{"url": "what", "valueString": "Visual timetable at home"},
                                             {"url": "weeks", "valueInteger": 6}]},
    ]
    asq = {"resourceType": "Observation", "id": "asq", "status": "final",
           "code": {"coding": [{"system": "http://loinc.org", "code": "99999-9"},
                               {"system": SCREENING_TOOL_SYSTEM, "code": "ASQ-3"}]},
           "interpretation": [{"coding": [{"system": SCREENING_OUTCOME_SYSTEM, "code": "below-cutoff"}]}],
           "extension": [{"url": EXT + "send-area", "valueCode": "C&I"}]}
    wellcomm = {"resourceType": "Observation", "id": "wc", "status": "final",
                "code": {"coding": [{"system": SCREENING_TOOL_SYSTEM, "code": "WellComm"}]},
                "valueCodeableConcept": {"coding": [{"system": SCREENING_OUTCOME_SYSTEM, "code": "red"}]}}
    weight = {"resourceType": "Observation", "id": "weight", "status": "final",
              "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]}}
    sr["contained"] = [asq]
    bundle["entry"] += [{"fullUrl": "urn:uuid:wc-1", "resource": wellcomm},
                        {"fullUrl": "urn:uuid:weight-1", "resource": weight}]
    sr["supportingInfo"] = [{"reference": "#asq"}, {"reference": "urn:uuid:weight-1"},
                            {"reference": "DocumentReference/letter"}, {"reference": "urn:uuid:wc-1"}]
    return bundle


def test_what_has_been_tried_and_screening_results_come_through_as_the_api_takes_them() -> None:
    concern = map_request(_with_evidence(a_bundle())).concern.concern
    assert [(t.what, t.weeks) for t in concern.tried] == [("Small group language sessions", 12),
                                                         ("Visual timetable at home", 6)]
    assert [(s.tool, s.outcome, s.area) for s in concern.screening] == [("ASQ-3", "below-cutoff", "C&I"),
                                                                       ("WellComm", "red", None)]


@pytest.mark.parametrize(("change", "expression", "field"), [
    (lambda sr, asq: sr["extension"][-1]["extension"][1].update(valueInteger=-3),
     "ServiceRequest.extension[6].extension[1].valueInteger", "concern.tried.1.weeks"),
    (lambda sr, asq: sr["extension"][-2]["extension"].pop(0),
     "ServiceRequest.extension[5].extension('what')", "concern.tried.0.what"),
    (lambda sr, asq: asq["interpretation"][0]["coding"][0].update(code="poor"),
     "ServiceRequest.supportingInfo[0].resolve().interpretation[0].coding[0].code", "concern.screening.0.outcome"),
    (lambda sr, asq: asq.pop("interpretation"),
     "ServiceRequest.supportingInfo[0].resolve().interpretation", "concern.screening.0.outcome"),
    (lambda sr, asq: asq["extension"][0].update(valueCode="Maths"),
     "ServiceRequest.supportingInfo[0].resolve().extension[0].valueCode", "concern.screening.0.area"),
    (lambda sr, asq: asq["code"]["coding"][1].update(code="Griffiths"),
     "ServiceRequest.supportingInfo[0].resolve().code.coding[1].code", "concern.screening.0.tool"),
])
def test_a_fault_in_the_evidence_names_its_fhir_element_and_field(change: Any, expression: str, field: str) -> None:
    bundle = _with_evidence(a_bundle())
    sr = _sr(bundle)
    change(sr, sr["contained"][0])
    assert _fault(bundle)[:2] == (expression, field)


def test_the_documented_example_is_a_valid_request_with_its_evidence() -> None:
    from intake.entrypoints.fhir import EXAMPLE_REQUEST

    concern = map_request(EXAMPLE_REQUEST).concern.concern
    assert [t.weeks for t in concern.tried] == [10]
    assert [(s.tool, s.outcome) for s in concern.screening] == [("ASQ-3", "below-cutoff")]
