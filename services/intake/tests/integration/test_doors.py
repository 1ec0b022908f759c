"""Every door of intake against the real PostgreSQL and broker (intake alone, as a process):
a concern entered through the JSON API, the FHIR endpoint and the web form is stored once and
published once for triage; a battery of malformed inputs each gets a 4xx naming the field."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import date, timedelta
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

pytestmark = pytest.mark.integration

NEED = "https://frontdoor.example/fhir/CodeSystem/send-need-code"
EXT = "https://frontdoor.example/fhir/StructureDefinition/"
SCREENING_TOOL_SYSTEM = "https://frontdoor.example/fhir/CodeSystem/screening-tool"
SCREENING_OUTCOME_SYSTEM = "https://frontdoor.example/fhir/CodeSystem/screening-outcome"
DOB = date.today() - timedelta(days=900)


async def _own_database(database_url: str) -> str:
    """A database of this module's own: its concerns must not count in another test's totals."""
    import asyncpg

    base, _, _ = database_url.rpartition("/")
    name = f"doors_test_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(f"{base}/postgres".replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{base}/{name}"


@pytest.fixture(scope="module")
def platform(test_stack, tmp_path_factory):  # type: ignore[no-untyped-def]
    from frontdoor_cli.testing import migrate_all
    from tests.support import new_platform

    stack = SimpleNamespace(database_url=asyncio.run(_own_database(test_stack.database_url)),
                            bootstrap=test_stack.bootstrap)
    migrate_all(stack.database_url)
    p = new_platform(tmp_path_factory.mktemp("doors"), stack)
    p.start_service("intake")
    p.wait_healthy("intake")
    yield p
    p.stop()


@pytest.fixture(scope="module")
def intake(platform) -> httpx.Client:  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=f"http://127.0.0.1:{platform.ports['intake']}", timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def bearer(platform) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from tests.support import partner_token

    return {"Authorization": f"Bearer {partner_token(platform)}"}


def a_bundle(identifier: str, **changes: Any) -> dict[str, Any]:
    """A UK Core-shaped transaction Bundle: ServiceRequest, Patient, Practitioner, Organization, RelatedPerson."""
    patient = {"resourceType": "Patient", "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number",
                                                          "value": changes.get("nhs", "9990000018")}],
               "name": [{"family": "Testchild", "given": ["Amara"]}], "gender": "female",
               "birthDate": changes.get("dob", DOB.isoformat()), "address": [{"postalCode": "LS1 4AP"}]}
    practitioner = {"resourceType": "Practitioner", "name": [{"family": "Visitor", "given": ["Hannah"]}],
                    "telecom": [{"system": "email", "value": "hannah.visitor@nhs.example"}]}
    organization = {"resourceType": "Organization", "name": "Model NHS Trust",
                    "identifier": [{"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "RX1"}]}
    parent = {"resourceType": "RelatedPerson", "name": [{"family": "Testparent", "given": ["Grace"]}],
              "relationship": [{"coding": [{"code": "MTH"}]}],
              "telecom": [{"system": "email", "value": "grace.testparent@example.com"}]}
    request = {"resourceType": "ServiceRequest", "status": "active", "intent": "order",
               "identifier": [{"system": "https://trust.example/Id/referral", "value": identifier}],
               "subject": {"reference": "urn:uuid:p"}, "requester": {"reference": "urn:uuid:hv"},
               "reasonCode": [{"coding": [{"system": NEED, "code": changes.get("need", "SLCN")}]}],
               "note": [{"text": "Uses very few words at 30 months and is frustrated when not understood."}],
               "extension": [{"url": EXT + "referrer-role", "valueCode": "health-visitor"},
                             {"url": EXT + "parent-informed", "valueBoolean": True},
                             {"url": EXT + "send-range", "extension": [
                                 {"url": "area", "valueCode": "C&I"},
                                 {"url": "range", "valueInteger": changes.get("range", 3)}]}]}
    entries = [("urn:uuid:sr", request), ("urn:uuid:p", patient), ("urn:uuid:hv", practitioner),
               ("urn:uuid:org", organization), ("urn:uuid:mum", parent)]
    if changes.get("no_patient"):
        entries.pop(1)
    return {"resourceType": "Bundle", "type": "transaction",
            "entry": [{"fullUrl": url, "resource": res} for url, res in entries]}


def _fhir(intake: httpx.Client, bearer: dict[str, str], body: Any) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return intake.post("/fhir/ServiceRequest", content=content,
                       headers={**bearer, "Content-Type": "application/fhir+json"})


def _published(bootstrap: str, reference: str) -> int:
    """How many concern-submitted events for this reference reached the topic triage reads."""
    return len(_published_events(bootstrap, reference))


def _published_events(bootstrap: str, reference: str) -> dict[str, Any]:
    """The concern-submitted events for this reference on the topic triage reads, by id."""
    from aiokafka import AIOKafkaConsumer

    from frontdoor_shared.contracts import ConcernSubmittedV1

    async def collect() -> dict[str, Any]:
        consumer = AIOKafkaConsumer(ConcernSubmittedV1.TOPIC, bootstrap_servers=bootstrap, group_id=None,
                                    auto_offset_reset="earliest", enable_auto_commit=False)
        await consumer.start()
        seen: dict[str, Any] = {}

        def read(records: Any) -> None:
            for r in records:
                event = json.loads(r.value)
                if event.get("subject") == reference:
                    seen[event["id"]] = event

        try:
            deadline = asyncio.get_running_loop().time() + 20
            while asyncio.get_running_loop().time() < deadline:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    read(records)
                if seen:
                    await asyncio.sleep(1)  # a second copy, were there one, would be right behind
                    for records in (await consumer.getmany(timeout_ms=500)).values():
                        read(records)
                    return seen
        finally:
            await consumer.stop()
        return seen

    return asyncio.run(collect())


def test_a_uk_core_bundle_is_stored_once_and_reaches_triage(  # type: ignore[no-untyped-def]
        intake, bearer, test_stack) -> None:
    identifier = f"REF-{uuid.uuid4().hex[:8]}"
    first = _fhir(intake, bearer, a_bundle(identifier))
    assert first.status_code == 201, first.text
    stored = first.json()
    [ours] = [i for i in stored["identifier"] if i["system"] == "https://frontdoor.example/Id/concern-reference"]
    reference = ours["value"]
    assert first.headers["location"].endswith(f"/api/v1/concerns/{reference}")
    again = _fhir(intake, bearer, a_bundle(identifier))
    assert again.status_code == 200
    assert again.json()["id"] == reference
    status = intake.get(f"/api/v1/concerns/{reference}", headers=bearer)
    assert status.json()["status"] in ("submitted", "triaged", "routed")
    assert _published(test_stack.bootstrap, reference) == 1


def test_what_was_tried_and_screening_sent_by_fhir_reach_triage_as_evidence(  # type: ignore[no-untyped-def]
        intake, bearer, test_stack) -> None:
    bundle = a_bundle(f"REF-{uuid.uuid4().hex[:8]}", range=4)
    request = bundle["entry"][0]["resource"]
    request["extension"].append({"url": EXT + "tried", "extension": [
        {"url": "what", "valueString": "Small group language sessions"}, {"url": "weeks", "valueInteger": 14}]})
    request["contained"] = [{"resourceType": "Observation", "id": "asq", "status": "final",
                             "code": {"coding": [{"system": SCREENING_TOOL_SYSTEM, "code": "ASQ-3"}]},
                             "interpretation": [{"coding": [{"system": SCREENING_OUTCOME_SYSTEM,
                                                             "code": "below-cutoff"}]}],
                             "extension": [{"url": EXT + "send-area", "valueCode": "C&I"}]}]
    request["supportingInfo"] = [{"reference": "#asq"}]
    created = _fhir(intake, bearer, bundle)
    assert created.status_code == 201, created.text
    [ours] = [i for i in created.json()["identifier"]
              if i["system"] == "https://frontdoor.example/Id/concern-reference"]
    [event] = _published_events(test_stack.bootstrap, ours["value"]).values()
    assert event["data"]["tried_for_weeks"] == 14
    assert event["data"]["screening"] == [{"tool": "ASQ-3", "outcome": "below-cutoff", "area": "C&I"}]
    assert "Small group" not in json.dumps(event)  # what was tried is free text: never on a topic


def test_a_service_request_identifier_reused_for_another_child_is_refused(intake, bearer) -> None:  # type: ignore[no-untyped-def]
    identifier = f"REF-{uuid.uuid4().hex[:8]}"
    assert _fhir(intake, bearer, a_bundle(identifier)).status_code == 201
    r = _fhir(intake, bearer, a_bundle(identifier, need="ASD"))
    assert r.status_code == 422
    assert r.json()["issue"][0]["expression"] == ["ServiceRequest.identifier"]


def test_the_fhir_door_says_what_it_accepts_to_anyone_who_asks(intake) -> None:  # type: ignore[no-untyped-def]
    r = intake.get("/fhir/metadata")  # no credentials: a client reads this before it has any
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/fhir+json")
    statement = r.json()
    assert (statement["resourceType"], statement["fhirVersion"], statement["kind"]) == (
        "CapabilityStatement", "4.0.1", "instance")
    assert "application/fhir+json" in statement["format"]
    [rest] = statement["rest"]
    assert rest["mode"] == "server"
    assert rest["security"]["service"][0]["coding"][0]["code"] == "OAuth"
    assert "/oauth/token" in rest["security"]["description"]
    [resource] = rest["resource"]
    assert resource["type"] == "ServiceRequest"
    assert [i["code"] for i in resource["interaction"]] == ["create", "search-type", "read", "update"]
    assert [p["name"] for p in resource["searchParam"]] == ["identifier"]
    assert "Prefer: return=OperationOutcome" in rest["documentation"]


def test_the_fhir_door_refuses_requests_without_valid_credentials(intake) -> None:  # type: ignore[no-untyped-def]
    r = _fhir(intake, {}, a_bundle("REF-NOAUTH"))
    assert r.status_code == 401
    assert r.json()["resourceType"] == "OperationOutcome"
    forged = _fhir(intake, {"Authorization": "Bearer not.a.token"}, a_bundle("REF-NOAUTH"))
    assert forged.status_code == 401


def _api_concern(**changes: Any) -> dict[str, Any]:
    from tests.support import a_concern

    body = a_concern()
    for path, value in changes.items():
        *parents, last = path.split("__")
        target: Any = body
        for step in parents:
            target = target[int(step)] if step.isdigit() else target[step]
        if value is _DROP:
            del target[last]
        else:
            target[last] = value
    return body


_DROP = object()
FUTURE = (date.today() + timedelta(days=10)).isoformat()
BATTERY: list[tuple[str, str, Any, int, str]] = [
    ("api", "bad NHS number", _api_concern(child__nhs_number="943 476 5918"), 422, "child.nhs_number"),
    ("api", "bad UPN", _api_concern(child__upn="Z801200001001"), 422, "child.upn"),
    ("api", "bad postcode", _api_concern(child__postcode="QQ1 1QQ"), 422, "child.postcode"),
    ("api", "date of birth in the future", _api_concern(child__date_of_birth=FUTURE), 422, "child.date_of_birth"),
    ("api", "unknown need code", _api_concern(concern__need_codes=["XYZ"]), 422, "concern.need_codes"),
    ("api", "range 9", _api_concern(concern__ranges__0__range=9), 422, "concern.ranges.0.range"),
    ("api", "missing family", _api_concern(family=_DROP), 422, "family"),
    ("api", "email without @", _api_concern(family__carers__0__email="grace.example.com"), 422,
     "family.carers.0.email"),
    ("api", "sms without a phone", _api_concern(family__preferred_channel="sms", family__carers__0__phone=None),
     422, "phone"),
    ("api", "NHS referrer without parent_informed", _api_concern(concern__parent_informed=None), 422,
     "parent_informed"),
    # a lone surrogate (valid JSON escape, not a character) could not be written as UTF-8 when the
    # details are encrypted and the contacts sealed: refused by name at the door, never a 5xx
    ("api", "a lone surrogate in the description", _api_concern(concern__description="words \ud800 here"), 422,
     "concern.description"),
    ("api", "a lone surrogate in a carer's name", _api_concern(family__carers__0__given_name="Gr\udc00ce"), 422,
     "family.carers.0.given_name"),
    ("api", "not JSON", b"{not json", 422, "JSON decode error"),
    ("api", "a JSON array", [], 422, "(body)"),
    ("api", "an empty body", b"", 422, "the body is empty: send a JSON object"),
    ("api", "nested beyond the parser", b"[" * 100_000, 400, "parsing the body"),
    ("fhir", "not JSON", b"{not json", 400, "not JSON"),
    ("fhir", "nested beyond the parser", b"[" * 100_000, 400, "not JSON"),
    ("fhir", "a JSON array", [], 422, "ServiceRequest or a Bundle"),
    ("fhir", "2 MB body", b"{" + b" " * 2_000_000 + b"}", 413, "(body)"),
    ("fhir", "wrong resourceType", {"resourceType": "Patient"}, 422, "resourceType"),
    ("fhir", "missing Patient", a_bundle("REF-BAD", no_patient=True), 422, "ServiceRequest.subject.reference"),
    ("fhir", "bad NHS number", a_bundle("REF-BAD", nhs="9434765918"), 422, "Patient.identifier[0].value"),
    ("fhir", "unknown need code", a_bundle("REF-BAD", need="XYZ"), 422,
     "ServiceRequest.reasonCode[0].coding[0].code"),
    ("fhir", "range 9", a_bundle("REF-BAD", range=9), 422, "ServiceRequest.extension[2].extension[1].valueInteger"),
    ("fhir", "date of birth in the future", a_bundle(f"REF-{uuid.uuid4().hex[:8]}", dob=FUTURE), 422,
     "Patient.birthDate"),
]


@pytest.mark.parametrize(("door", "what", "body", "status", "names"), BATTERY,
                         ids=[f"{d}: {w}" for d, w, *_ in BATTERY])
def test_each_invalid_input_is_refused_by_name_and_never_with_a_5xx(  # type: ignore[no-untyped-def]
        intake, bearer, door, what, body, status, names) -> None:
    if door == "fhir":
        r = _fhir(intake, bearer, body)
    else:
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        r = intake.post("/api/v1/concerns", content=content, headers={
            **bearer, "Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == status, r.text[:500]
    assert names in r.text
    if door == "api" and status == 422:
        assert r.json()["title"] == "The concern could not be accepted"
    assert intake.get("/health").status_code == 200


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_a_concern_not_sent_as_json_is_refused_as_the_wrong_media_type_naming_the_header(  # type: ignore[no-untyped-def]
        intake, bearer, content_type) -> None:
    r = intake.post("/api/v1/concerns", content=json.dumps(_api_concern()).encode(),
                    headers={**bearer, "Content-Type": content_type, "Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 415, r.text[:300]
    assert r.json() == {"title": "The concern could not be accepted", "errors": [
        {"field": "Content-Type", "reason": "send the concern as application/json"}]}
    as_json = intake.post("/api/v1/concerns", content=json.dumps(_api_concern()).encode(),
                          headers={**bearer, "Content-Type": "application/json; charset=utf-8",
                                   "Idempotency-Key": str(uuid.uuid4())})
    assert as_json.status_code == 202, as_json.text[:300]


def test_the_api_says_which_carer_will_not_be_written_to(intake, bearer) -> None:  # type: ignore[no-untyped-def]
    from tests.support import a_concern

    body = a_concern(given_name="Twohomes")
    body["child"]["nhs_number"] = "999 000 0107"
    body["family"]["carers"].append({"given_name": "Sam", "family_name": "Testparent", "relationship": "father"})
    key = str(uuid.uuid4())
    r = intake.post("/api/v1/concerns", json=body, headers={**bearer, "Idempotency-Key": key})
    assert r.status_code == 202, r.text[:300]
    assert [w.split(":")[0] for w in r.json()["warnings"]] == ["family.carers.1"]
    replay = intake.post("/api/v1/concerns", json=body, headers={**bearer, "Idempotency-Key": key})
    assert replay.status_code == 200  # the original concern, and the original answer's warnings
    assert replay.json() == r.json()
    body["family"]["carers"][1]["address"] = "2 Test Road, Leeds LS2 7AB"
    again = intake.post("/api/v1/concerns", json=body, headers={**bearer, "Idempotency-Key": str(uuid.uuid4())})
    assert again.status_code == 202, again.text[:300]
    assert again.json()["warnings"] == []


def test_a_sender_finds_its_concern_by_the_idempotency_key_it_sent_and_no_one_elses(  # type: ignore[no-untyped-def]
        platform, intake, bearer) -> None:
    """What became of the concern sent with this key (for a partner event, the event's id)?"""
    from tests.support import a_concern

    key = f"partner-event-{uuid.uuid4()}"
    sent = intake.post("/api/v1/concerns", json=a_concern(), headers={**bearer, "Idempotency-Key": key})
    assert sent.status_code == 202, sent.text[:300]
    [found] = intake.get("/api/v1/concerns", params={"idempotency_key": key}, headers=bearer).json()
    assert (found["reference"], found["idempotency_key"]) == (sent.json()["reference"], key)
    assert found["status"] in ("submitted", "triaged", "routed", "listed-for-panel", "awaiting-information")
    listed = intake.get("/api/v1/concerns", headers=bearer).json()
    assert [c["idempotency_key"] for c in listed if c["reference"] == found["reference"]] == [key]
    assert intake.get("/api/v1/concerns", params={"idempotency_key": "never-sent"}, headers=bearer).json() == []
    # a member of staff who happens to use the same key sees nothing of the partner's
    user = platform.seed_demo()["users"]["health-visitor"]
    with httpx.Client(base_url=str(intake.base_url), timeout=30, follow_redirects=False) as browser:
        browser.get("/sign-in")
        browser.post("/sign-in", data={"email": user["email"], "password": user["password"],
                                       "csrf_token": browser.cookies["fd_csrf"], "next": "/concerns"})
        assert browser.get("/api/v1/concerns", params={"idempotency_key": key}).json() == []
    too_long = intake.get("/api/v1/concerns", params={"idempotency_key": "k" * 201}, headers=bearer)
    assert too_long.status_code == 422
    assert "idempotency_key" in too_long.text


def test_the_fhir_door_answers_with_an_operation_outcome_when_asked_naming_the_carer_not_written_to(  # type: ignore[no-untyped-def]
        intake, bearer) -> None:
    bundle = a_bundle(f"REF-{uuid.uuid4().hex[:8]}", nhs="9990001103")
    bundle["entry"].append({"fullUrl": "urn:uuid:dad", "resource": {
        "resourceType": "RelatedPerson", "name": [{"family": "Testparent", "given": ["Sam"]}],
        "relationship": [{"coding": [{"code": "FTH"}]}]}})
    r = intake.post("/fhir/ServiceRequest", json=bundle, headers={
        **bearer, "Content-Type": "application/fhir+json", "Prefer": "return=OperationOutcome"})
    assert r.status_code == 201, r.text[:500]
    body = r.json()
    assert body["resourceType"] == "OperationOutcome"
    info, *warnings = body["issue"]
    assert info["severity"] == "information"
    assert info["details"]["text"].startswith("accepted: the concern's reference is FD-")
    assert r.headers["Location"].endswith(info["details"]["text"].rsplit(" ", 1)[1])
    assert [(w["severity"], w["diagnostics"]) for w in warnings] == [("warning", "intake field: family.carers.1")]
    assert warnings[0]["expression"] == ["RelatedPerson"]
    assert "Sam" not in r.text
    # without the preference: the ServiceRequest as stored, as before
    plain = _fhir(intake, bearer, a_bundle(f"REF-{uuid.uuid4().hex[:8]}", nhs="9990001111"))
    assert plain.status_code == 201
    assert plain.json()["resourceType"] == "ServiceRequest"


class _Hidden(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("type") == "hidden" and a.get("name") != "csrf_token":
            self.fields.append((a.get("name") or "", a.get("value") or ""))


def _carried(html: str) -> list[tuple[str, str]]:
    parser = _Hidden()
    parser.feed(html)
    return parser.fields


FORM_PAGES = [
    ("family", [("child-given-name", "Amara"), ("child-family-name", "Formchild"),
                ("child-dob-day", str(DOB.day)), ("child-dob-month", str(DOB.month)),
                ("child-dob-year", str(DOB.year)), ("child-nhs-number", "401 023 2137"), ("child-sex", "female"),
                ("child-postcode", "LS1 4AP")]),
    ("referrer", [("family-carer-given-name", "Grace"), ("family-carer-family-name", "Testparent"),
                  ("family-carer-relationship", "mother"), ("family-carer-phone", "07700 900123"),
                  ("family-preferred-channel", "sms"), ("family-language", "pl"),
                  ("family-interpreter-needed", "yes"), ("family-consent", "health")]),
    ("concern", [("referrer-name", "Hannah Visitor"), ("referrer-role", "health-visitor"),
                 ("referrer-organisation", "Model NHS Trust"), ("referrer-ods-code", "RX1"),
                 ("referrer-email", "hannah.visitor@nhs.example")]),
    ("check", [("concern-need-codes", "SLCN"), ("concern-need-codes", "ASD"), ("concern-range-ci", "4"),
               ("concern-description", "Few words at 30 months; frustrated when not understood."),
               ("concern-urgency", "high"), ("concern-safeguarding", "no"), ("concern-parent-informed", "yes")]),
]


def _submit(browser: httpx.Client, url: str, fields: list[tuple[str, str]]) -> httpx.Response:
    """Post as a browser does: repeated names (checkboxes) as repeated pairs."""
    return browser.post(url, content=urlencode(fields).encode(),
                        headers={"Content-Type": "application/x-www-form-urlencoded"})


def test_a_referrer_walks_the_form_and_sees_the_concern_in_their_list(platform, intake) -> None:  # type: ignore[no-untyped-def]
    user = platform.seed_demo()["users"]["health-visitor"]
    with httpx.Client(base_url=str(intake.base_url), timeout=30, follow_redirects=False) as browser:
        assert browser.get("/concerns").headers["location"] == "/sign-in?next=/concerns"
        browser.get("/sign-in")
        csrf = browser.cookies["fd_csrf"]
        signed_in = browser.post("/sign-in", data={"email": user["email"], "password": user["password"],
                                                   "csrf_token": csrf, "next": "/concerns/new/child"})
        page = browser.get(signed_in.headers["location"])
        for target, answers in FORM_PAGES:
            page = _submit(browser, f"/concerns/new/{target}",
                           [*_carried(page.text), *answers, ("csrf_token", csrf), ("action", "continue")])
            assert page.status_code == 200, re.findall(r'href="#[\w-]+">([^<]+)<', page.text)
        sent = _submit(browser, "/concerns/new/submit", [*_carried(page.text), ("csrf_token", csrf),
                                                         ("action", "send")])
        assert sent.status_code == 303
        confirmation = browser.get(sent.headers["location"])
        reference = re.search(r'id="reference">(FD-[0-9A-Z-]+)<', confirmation.text).group(1)  # type: ignore[union-attr]
        assert reference in browser.get("/concerns").text
        assert "Submitted" in browser.get(f"/concerns/{reference}").text
        assert browser.get("/concerns/FD-0000-0000").status_code == 404


def test_a_member_of_staff_changes_their_own_password(platform, intake, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A password the council printed must be changed at first sign-in (nothing else opens first);
    the current password, a new one of at least 12 characters, the same again; each mistake named
    on its field; then the pages open, the link to change it again is on each, and only the new
    password signs in."""
    from typer.testing import CliRunner

    from frontdoor_cli.main import app

    monkeypatch.setenv("DATABASE_URL", platform.database_url)
    added = CliRunner().invoke(app, ["accounts", "add-user", "--email", "tomos@council.example", "--name",
                                     "Tomos Referrer", "--role", "referrer", "--organisation", "Model Council"])
    first = re.search(r"shown once: (\S+)", added.output).group(1)  # type: ignore[union-attr]

    def sign_in(browser: httpx.Client, password: str) -> httpx.Response:
        browser.get("/sign-in")
        return browser.post("/sign-in", data={"email": "tomos@council.example", "password": password,
                                              "csrf_token": browser.cookies["fd_csrf"], "next": "/concerns"})

    with httpx.Client(base_url=str(intake.base_url), timeout=30, follow_redirects=False) as browser:
        assert browser.get("/account/password").headers["location"] == "/sign-in?next=/account/password"
        signed_in = sign_in(browser, first)
        # the password the council printed: changing it comes first, and nothing else opens until then
        assert signed_in.headers["location"] == "/account/password"
        assert browser.get("/concerns").headers["location"] == "/account/password"
        assert "Choose your own before you go on" in browser.get("/account/password").text
        csrf = browser.cookies["fd_csrf"]
        wrong = browser.post("/account/password", data={"current": "not-it", "new": "short", "confirm": "short",
                                                        "csrf_token": csrf})
        assert wrong.status_code == 400
        assert "Enter your current password" in wrong.text
        assert "must be 12 to 128 characters long" in wrong.text
        assert 'href="#current"' in wrong.text
        mismatch = browser.post("/account/password", data={"current": first, "new": "kettle umbrella lantern",
                                                           "confirm": "kettle umbrella lanterns", "csrf_token": csrf})
        assert mismatch.status_code == 400
        assert "Enter the same new password again" in mismatch.text
        changed = browser.post("/account/password", data={"current": first, "new": "kettle umbrella lantern",
                                                          "confirm": "kettle umbrella lantern", "csrf_token": csrf})
        assert changed.status_code == 200
        assert "Your password has been changed" in changed.text
        assert 'href="/account/password">Change your password</a>' in browser.get("/concerns").text
    with httpx.Client(base_url=str(intake.base_url), timeout=30, follow_redirects=False) as browser:
        assert sign_in(browser, first).status_code == 400
    with httpx.Client(base_url=str(intake.base_url), timeout=30, follow_redirects=False) as browser:
        assert sign_in(browser, "kettle umbrella lantern").status_code == 303
