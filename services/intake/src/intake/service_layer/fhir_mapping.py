"""A UK Core-shaped FHIR R4 ServiceRequest (alone, or in a Bundle) mapped to the one `ConcernIn`.

Accepted: a ServiceRequest whose Patient, Practitioner (or PractitionerRole), Organization and
RelatedPersons are `contained`, or a Bundle (transaction, batch, collection or message) whose
entries hold them; references resolve by `#id`, `fullUrl` or `Type/id`.

Read from standard elements:
- Patient: identifier `https://fhir.nhs.uk/Id/nhs-number`, `https://frontdoor.example/Id/upn`;
  name (official first), birthDate, gender (male, female, other -> indeterminate, unknown ->
  not-known), address.postalCode (home first), communication (BCP 47 language), and UK Core's
  Extension-UKCore-NHSCommunication (language, interpreterRequired).
- Practitioner (requester, directly or through a PractitionerRole): name, telecom (email, phone);
  Organization (the PractitionerRole's, else the only one sent): name, identifier
  `https://fhir.nhs.uk/Id/ods-organization-code`.
- RelatedPerson (each one is a carer, at most 4): name, relationship (v3 RoleCode MTH, FTH, PRN,
  GUARD, ...; anything else is "other"), telecom, address.
- ServiceRequest: identifier (system and value: the idempotency key), reasonCode and category
  codings in `NEED_CODE_SYSTEM` (codes SPLD, MLD, SLD, PMLD, SEMH, SLCN, ASD, HI, VI, MSI, PD, DS,
  OTH), note.text (the description), priority (routine -> routine, urgent -> high, asap and
  stat -> urgent).

Front Door's extensions (`EXT` + name), on the ServiceRequest unless said:
- `referrer-role` valueCode: health-visitor, gp, nhs-therapist, paediatrician, ... (required)
- `send-range` (repeats, one per area): sub-extensions `area` valueCode (C&I, C&L, SEMH, S&P)
  and `range` valueInteger (1-7)
- `parent-informed` valueBoolean (CFA 2014 s.23: required from NHS referrers)
- `safeguarding` valueBoolean
- `consent-to-share-with` valueCode (repeats): health, early-years, education, ...
- `expected-delivery-date` valueDate, on the Patient, for a pre-birth concern
- `preferred-contact-channel` valueCode email, sms or letter, on the first RelatedPerson
  (without it: email if the carer has one, else sms if a phone, else letter)
- `tried` (repeats, one per thing already tried): sub-extensions `what` valueString and `weeks`
  valueInteger (how long it has been tried)

Screening results: each Observation the ServiceRequest names in `supportingInfo` whose code has a
coding in `SCREENING_TOOL_SYSTEM` (ASQ-3, ASQ:SE-2, WellComm) is one result: the outcome band is
the coding in `SCREENING_OUTCOME_SYSTEM` (red, amber, green, below-cutoff, monitoring,
above-cutoff) of its `interpretation` (or of `valueCodeableConcept`), and the area of need is the
Observation's `send-area` extension (valueCode C&I, C&L, SEMH, S&P; optional). Other supporting
information (documents, other observations) is not read.

Every failure is an `Issue` naming the FHIR element (a FHIRPath from the resource type) and the
intake field, with the reason from the one validation (`ConcernIn`); no reason echoes a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from intake.service_layer.problems import problems
from intake.service_layer.schemas import ConcernIn

NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
ODS_CODE = "https://fhir.nhs.uk/Id/ods-organization-code"
UPN = "https://frontdoor.example/Id/upn"
CONCERN_REFERENCE = "https://frontdoor.example/Id/concern-reference"
NEED_CODE_SYSTEM = "https://frontdoor.example/fhir/CodeSystem/send-need-code"
SCREENING_TOOL_SYSTEM = "https://frontdoor.example/fhir/CodeSystem/screening-tool"
SCREENING_OUTCOME_SYSTEM = "https://frontdoor.example/fhir/CodeSystem/screening-outcome"
EXT = "https://frontdoor.example/fhir/StructureDefinition/"
NHS_COMMUNICATION = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSCommunication"
BUNDLE_TYPES = ("transaction", "batch", "collection", "message")
_SEX = {"male": "male", "female": "female", "other": "indeterminate", "unknown": "not-known"}
_PRIORITY = {"routine": "routine", "urgent": "high", "asap": "urgent", "stat": "urgent"}
_NAMED = re.compile(r"^([a-z_]+(?:\.[a-z0-9_]+)+) is (?:needed|required)")  # "carers.0.phone is needed ..."
_RELATIONSHIP = {"MTH": "mother", "NMTH": "mother", "FTH": "father", "NFTH": "father", "PRN": "parent",
                 "NPRN": "parent", "GUARD": "guardian", "FOSTERPRN": "foster-carer"}


@dataclass(frozen=True)
class Issue:
    """One OperationOutcome issue: `code` is required, value or invalid (FHIR IssueType)."""

    code: str
    expression: str | None
    field: str
    reason: str


class FhirInvalid(ValueError):
    """The request cannot become a concern; `issues` says where and why."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(f"{i.expression}: {i.reason}" for i in issues))
        self.issues = issues


def _bad(expression: str | None, reason: str, field: str = "(body)", code: str = "invalid") -> FhirInvalid:
    return FhirInvalid([Issue(code, expression, field, reason)])


Res = tuple[dict[str, Any], str]  # a resource and the FHIRPath it is known by


@dataclass
class FhirConcern:
    concern: ConcernIn
    idempotency_key: str
    provenance: dict[str, str]

    def expression_for(self, field: str) -> str | None:
        """The FHIR element an intake field came from (the nearest one recorded)."""
        return _nearest(self.provenance, field)


def _nearest(prov: dict[str, str], field: str) -> str | None:
    path = re.sub(r"\[(\d+)\]", r".\1", field)
    while path:
        if path in prov:
            return prov[path]
        path = path.rpartition(".")[0]
    return None


# --- reading JSON that may be any shape ------------------------------------------------------

def _objs(obj: dict[str, Any], key: str, where: str) -> list[tuple[str, dict[str, Any]]]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _bad(f"{where}.{key}", f"{key} must be an array of objects")
    return [(f"{where}.{key}[{i}]", v) for i, v in enumerate(value)]


def _ext(obj: dict[str, Any], name: str, where: str, url: str = EXT) -> list[tuple[str, dict[str, Any]]]:
    return [(p, e) for p, e in _objs(obj, "extension", where) if e.get("url") == (url + name if name else url)]


def _ext_value(obj: dict[str, Any], name: str, kind: str, where: str, prov: dict[str, str], field: str) -> Any:
    found = _ext(obj, name, where)
    prov[field] = f"{found[0][0]}.value{kind}" if found else f"{where}.extension('{EXT}{name}')"
    return found[0][1].get(f"value{kind}") if found else None


def _text(value: Any) -> str | None:
    """A string, or None: JSON can put a list where a code belongs, and a list is no dict key."""
    return value if isinstance(value, str) else None


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _note(path: str, note: dict[str, Any]) -> str:
    text = note.get("text", "")
    if not isinstance(text, str):
        raise _bad(f"{path}.text", "a note's text must be a string", "concern.description", "value")
    return text


def _first(obj: Any, key: str) -> Any:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value[0] if isinstance(value, list) and value else None


def _telecom(res: dict[str, Any], where: str, system: str) -> tuple[Any, str]:
    hits = [(p, t) for p, t in _objs(res, "telecom", where) if t.get("system") == system]
    return (hits[0][1].get("value"), f"{hits[0][0]}.value") if hits else (None, f"{where}.telecom")


def _name(res: dict[str, Any], where: str) -> tuple[dict[str, Any], str]:
    names = _objs(res, "name", where)
    names.sort(key=lambda n: n[1].get("use") != "official")
    return (names[0][1], names[0][0]) if names else ({}, f"{where}.name")


# --- finding the resources ------------------------------------------------------------------

class _Resources:
    def __init__(self, payload: Any) -> None:
        if not isinstance(payload, dict):
            raise _bad(None, "send one FHIR resource as a JSON object: a ServiceRequest or a Bundle")
        kind = payload.get("resourceType")
        self.refs: dict[str, Res] = {}
        self.all: list[Res] = []
        if kind == "ServiceRequest":
            self.service_request: Res = (payload, "ServiceRequest")
        elif kind == "Bundle":
            self.service_request = self._bundle(payload)
        else:
            raise _bad("resourceType", "resourceType must be ServiceRequest or Bundle")
        for path, res in _objs(self.service_request[0], "contained", "ServiceRequest"):
            self._add(res, path, f"#{res.get('id')}")

    def _add(self, res: dict[str, Any], path: str, *keys: Any) -> None:
        kind = res.get("resourceType")
        if not isinstance(kind, str):
            raise _bad(f"{path}.resourceType", "each resource needs a resourceType")
        self.all.append((res, kind))
        for key in (*keys, f"{kind}/{res.get('id')}"):
            if isinstance(key, str):
                self.refs[key] = (res, kind)

    def _bundle(self, bundle: dict[str, Any]) -> Res:
        if bundle.get("type") not in BUNDLE_TYPES:
            raise _bad("Bundle.type", "Bundle.type must be " + ", ".join(BUNDLE_TYPES), code="value")
        found = []
        for path, entry in _objs(bundle, "entry", "Bundle"):
            res = entry.get("resource")
            if not isinstance(res, dict):
                raise _bad(f"{path}.resource", "each entry needs a resource object")
            self._add(res, f"{path}.resource", entry.get("fullUrl"))
            if res.get("resourceType") == "ServiceRequest":
                found.append(res)
        if len(found) != 1:
            raise _bad("Bundle.entry", "a Bundle must hold exactly one ServiceRequest", code="required")
        return found[0], "ServiceRequest"

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [r for r, k in self.all if k == kind]

    def lookup(self, target: str) -> Res | None:
        """The resource a reference names (`#id`, `fullUrl` or `Type/id`, absolute or not), if held."""
        return self.refs.get(target) or self.refs.get("/".join(target.split("/")[-2:]))

    def follow(self, ref: Any, where: str, kinds: tuple[str, ...], field: str) -> Res:
        target = ref.get("reference") if isinstance(ref, dict) else None
        if not isinstance(target, str):
            raise _bad(f"{where}.reference", f"give {where} as a reference to a {' or '.join(kinds)}",
                       field, "required")
        hit = self.lookup(target)
        if hit is None or hit[1] not in kinds:
            raise _bad(f"{where}.reference", f"{where} must point to a {' or '.join(kinds)} contained in the "
                       "ServiceRequest or held in the Bundle", field, "required")
        return hit


# --- one mapping per part of the concern ----------------------------------------------------

def _child(p: dict[str, Any], prov: dict[str, str]) -> dict[str, Any]:
    name, npath = _name(p, "Patient")
    child: dict[str, Any] = {"given_name": _first(name, "given"), "family_name": name.get("family"),
                             "date_of_birth": p.get("birthDate")}
    prov.update({"child": "Patient", "child.given_name": f"{npath}.given",
                 "child.family_name": f"{npath}.family", "child.date_of_birth": "Patient.birthDate"})
    for path, ident in _objs(p, "identifier", "Patient"):
        field = {NHS_NUMBER: "nhs_number", UPN: "upn"}.get(_text(ident.get("system")) or "")
        if field:
            child[field], prov[f"child.{field}"] = ident.get("value"), f"{path}.value"
    child["expected_delivery_date"] = _ext_value(p, "expected-delivery-date", "Date", "Patient", prov,
                                                 "child.expected_delivery_date")
    if "gender" in p:
        if _text(p["gender"]) not in _SEX:
            raise _bad("Patient.gender", "gender must be male, female, other or unknown", "child.sex", "value")
        child["sex"] = _SEX[p["gender"]]
    homes = sorted(_objs(p, "address", "Patient"), key=lambda a: a[1].get("use") != "home")
    child["postcode"] = homes[0][1].get("postalCode") if homes else None
    prov["child.postcode"] = f"{homes[0][0]}.postalCode" if homes else "Patient.address"
    return {k: v for k, v in child.items() if v is not None}


def _carer(rp: dict[str, Any], where: str, field: str, prov: dict[str, str]) -> dict[str, Any]:
    name, npath = _name(rp, where)
    codes = [c.get("code") for _, cc in _objs(rp, "relationship", where) for _, c in _objs(cc, "coding", where)]
    email, prov[f"{field}.email"] = _telecom(rp, where, "email")
    phone, prov[f"{field}.phone"] = _telecom(rp, where, "phone")
    address = _first(rp, "address")
    text = None
    if isinstance(address, dict):
        parts = [*_strings(address.get("line")), address.get("city"), address.get("postalCode")]
        text = address.get("text") or ", ".join(str(x) for x in parts if x)
    prov.update({field: where, f"{field}.given_name": f"{npath}.given", f"{field}.family_name": f"{npath}.family",
                 f"{field}.relationship": f"{where}.relationship", f"{field}.address": f"{where}.address"})
    relationship = next((_RELATIONSHIP[c] for c in map(_text, codes) if c in _RELATIONSHIP), "other")
    carer = {"given_name": _first(name, "given"), "family_name": name.get("family"), "relationship": relationship,
             "email": email, "phone": phone, "address": text or None}
    return {k: v for k, v in carer.items() if v is not None}


def _family(found: _Resources, patient: dict[str, Any], prov: dict[str, str]) -> dict[str, Any]:
    people = found.of_type("RelatedPerson")
    prov.update({"family": "RelatedPerson", "family.carers": "RelatedPerson"})
    carers = [_carer(rp, "RelatedPerson", f"family.carers.{i}", prov) for i, rp in enumerate(people)]
    family: dict[str, Any] = {"carers": carers}
    if people:
        channel = _ext_value(people[0], "preferred-contact-channel", "Code", "RelatedPerson", prov,
                             "family.preferred_channel")
        first = carers[0]
        family["preferred_channel"] = channel or ("email" if "email" in first else "sms" if "phone" in first
                                                  else "letter")
    language, interpreter = _communication(patient, prov)
    family.update({"language": language, "interpreter_needed": interpreter})
    sr, _ = found.service_request
    shares = _ext(sr, "consent-to-share-with", "ServiceRequest")
    family["consent_to_share_with"] = [e.get("valueCode") for _, e in shares]
    for i, (path, _) in enumerate(shares):
        prov[f"family.consent_to_share_with.{i}"] = f"{path}.valueCode"
    return {k: v for k, v in family.items() if v is not None}


def _communication(p: dict[str, Any], prov: dict[str, str]) -> tuple[Any, Any]:
    language = interpreter = None
    prov["family.language"] = prov["family.interpreter_needed"] = "Patient.communication"
    for path, ext in _ext(p, "", "Patient", NHS_COMMUNICATION):
        for sub_path, sub in _objs(ext, "extension", path):
            if sub.get("url") == "interpreterRequired":
                interpreter, prov["family.interpreter_needed"] = sub.get("valueBoolean"), f"{sub_path}.valueBoolean"
            elif sub.get("url") == "language":
                coding = _first(sub.get("valueCodeableConcept"), "coding")
                language = coding.get("code") if isinstance(coding, dict) else None
                prov["family.language"] = f"{sub_path}.valueCodeableConcept.coding[0].code"
    for path, comm in _objs(p, "communication", "Patient"):
        coding = _first(comm.get("language"), "coding")
        if language is None and isinstance(coding, dict):
            language, prov["family.language"] = coding.get("code"), f"{path}.language.coding[0].code"
    return language, interpreter


def _referrer(found: _Resources, prov: dict[str, str]) -> dict[str, Any]:
    sr, _ = found.service_request
    who, kind = found.follow(sr.get("requester"), "ServiceRequest.requester",
                             ("Practitioner", "PractitionerRole"), "referrer")
    org = None
    if kind == "PractitionerRole":
        if who.get("organization") is not None:
            org = found.follow(who["organization"], "PractitionerRole.organization", ("Organization",),
                               "referrer.organisation")[0]
        who, _ = found.follow(who.get("practitioner"), "PractitionerRole.practitioner", ("Practitioner",),
                              "referrer.name")
    orgs = found.of_type("Organization")
    org = org or (orgs[0] if len(orgs) == 1 else {})
    name, npath = _name(who, "Practitioner")
    full = name.get("text") or " ".join(str(x) for x in [*_strings(name.get("given")), name.get("family")] if x)
    email, prov["referrer.email"] = _telecom(who, "Practitioner", "email")
    phone, prov["referrer.phone"] = _telecom(who, "Practitioner", "phone")
    ods = [(p, i) for p, i in _objs(org, "identifier", "Organization") if i.get("system") == ODS_CODE]
    prov.update({"referrer": "Practitioner", "referrer.name": npath, "referrer.organisation": "Organization.name",
                 "referrer.ods_code": f"{ods[0][0]}.value" if ods else "Organization.identifier"})
    role_code = _ext_value(sr, "referrer-role", "Code", "ServiceRequest", prov, "referrer.role")
    referrer = {"name": full or None, "role": role_code, "organisation": org.get("name"), "email": email,
                "phone": phone, "ods_code": ods[0][1].get("value") if ods else None}
    return {k: v for k, v in referrer.items() if v is not None}


def _tried(sr: dict[str, Any], prov: dict[str, str]) -> list[dict[str, Any]]:
    prov["concern.tried"] = "ServiceRequest.extension"
    tried = []
    for i, (path, ext) in enumerate(_ext(sr, "tried", "ServiceRequest")):
        parts = {_text(sub.get("url")): (sub_path, sub) for sub_path, sub in _objs(ext, "extension", path)}
        what = parts.get("what", (f"{path}.extension('what')", {}))
        weeks = parts.get("weeks", (f"{path}.extension('weeks')", {}))
        prov.update({f"concern.tried.{i}": path,
                     f"concern.tried.{i}.what": f"{what[0]}.valueString" if what[1] else what[0],
                     f"concern.tried.{i}.weeks": f"{weeks[0]}.valueInteger" if weeks[1] else weeks[0]})
        tried.append({"what": what[1].get("valueString"), "weeks": weeks[1].get("valueInteger")})
    return tried


def _coded(concept: Any, system: str, where: str) -> tuple[Any, str] | None:
    """The code of `concept`'s coding in `system`, and where it is; None when it has none."""
    if not isinstance(concept, dict):
        return None
    for path, coding in _objs(concept, "coding", where):
        if coding.get("system") == system:
            return coding.get("code"), f"{path}.code"
    return None


def _screening(found: _Resources, sr: dict[str, Any], prov: dict[str, str]) -> list[dict[str, Any]]:
    prov["concern.screening"] = "ServiceRequest.supportingInfo"
    results: list[dict[str, Any]] = []
    for path, ref in _objs(sr, "supportingInfo", "ServiceRequest"):
        target = _text(ref.get("reference"))
        hit = found.lookup(target) if target else None
        if hit is None or hit[1] != "Observation":
            continue
        obs, where = hit[0], f"{path}.resolve()"
        tool = _coded(obs.get("code"), SCREENING_TOOL_SYSTEM, f"{where}.code")
        if tool is None:
            continue
        i = len(results)
        outcome = None
        for concept_path, concept in _objs(obs, "interpretation", where):
            outcome = outcome or _coded(concept, SCREENING_OUTCOME_SYSTEM, concept_path)
        outcome = outcome or _coded(obs.get("valueCodeableConcept"), SCREENING_OUTCOME_SYSTEM,
                                    f"{where}.valueCodeableConcept")
        area = _ext(obs, "send-area", where)
        prov.update({f"concern.screening.{i}": where, f"concern.screening.{i}.tool": tool[1],
                     f"concern.screening.{i}.outcome": outcome[1] if outcome else f"{where}.interpretation",
                     f"concern.screening.{i}.area": f"{area[0][0]}.valueCode" if area else f"{where}.extension"})
        result = {"tool": tool[0], "outcome": outcome[0] if outcome else None}
        if area:
            result["area"] = area[0][1].get("valueCode")
        results.append(result)
    return results


def _detail(found: _Resources, sr: dict[str, Any], prov: dict[str, str]) -> dict[str, Any]:
    codes: list[Any] = []
    prov.update({"concern": "ServiceRequest", "concern.need_codes": "ServiceRequest.reasonCode",
                 "concern.description": "ServiceRequest.note", "concern.ranges": "ServiceRequest.extension"})
    for path, cc in [*_objs(sr, "reasonCode", "ServiceRequest"), *_objs(sr, "category", "ServiceRequest")]:
        for cpath, coding in _objs(cc, "coding", path):
            if coding.get("system") == NEED_CODE_SYSTEM:
                prov[f"concern.need_codes.{len(codes)}"] = f"{cpath}.code"
                codes.append(coding.get("code"))
    ranges = []
    for i, (path, ext) in enumerate(_ext(sr, "send-range", "ServiceRequest")):
        parts = {_text(sub.get("url")): (sub_path, sub) for sub_path, sub in _objs(ext, "extension", path)}
        area, level = parts.get("area", (path, {})), parts.get("range", (path, {}))
        prov.update({f"concern.ranges.{i}": path, f"concern.ranges.{i}.area": f"{area[0]}.valueCode",
                     f"concern.ranges.{i}.range": f"{level[0]}.valueInteger"})
        ranges.append({"area": area[1].get("valueCode"), "range": level[1].get("valueInteger")})
    notes = [_note(path, n) for path, n in _objs(sr, "note", "ServiceRequest")]
    priority = _text(sr.get("priority", "routine"))
    if priority not in _PRIORITY:
        raise _bad("ServiceRequest.priority", "priority must be routine, urgent, asap or stat",
                   "concern.urgency", "value")
    prov["concern.urgency"] = "ServiceRequest.priority"
    return {"need_codes": codes, "ranges": ranges, "tried": _tried(sr, prov), "screening": _screening(found, sr, prov),
            "urgency": _PRIORITY[priority],
            "description": "\n\n".join(n for n in notes if n) or None,
            "safeguarding": _ext_value(sr, "safeguarding", "Boolean", "ServiceRequest", prov,
                                       "concern.safeguarding") or False,
            "parent_informed": _ext_value(sr, "parent-informed", "Boolean", "ServiceRequest", prov,
                                          "concern.parent_informed")}


def _idempotency_key(sr: dict[str, Any]) -> str:
    for _, ident in _objs(sr, "identifier", "ServiceRequest"):
        system, value = ident.get("system"), ident.get("value")
        if isinstance(system, str) and isinstance(value, str) and 0 < len(system + value) <= 400 and value:
            return f"fhir|{system}|{value}"
    raise _bad("ServiceRequest.identifier", "give the ServiceRequest an identifier with a system and a value, "
               "so a resubmission is recognised", "Idempotency-Key", "required")


# --- the whole request ----------------------------------------------------------------------

def issues_of(errors: list[Any], prov: dict[str, str]) -> list[Issue]:
    """Pydantic's errors, as the other doors report them (`problems`), located in the FHIR request."""
    out = []
    for err, item in zip(errors, problems(errors), strict=True):
        field, reason = ("" if item["field"] == "(body)" else item["field"]), item["reason"]
        named = _NAMED.match(reason)
        if named:  # a rule across fields names the field that is missing
            path = named.group(1)
            field = path if path.split(".")[0] in ConcernIn.model_fields else f"{field}.{path}"
        field = re.sub(r"\[(\d+)\]", r".\1", field)
        missing = err.get("type") == "missing" or (str(err.get("type")).endswith("too_short") and not err.get("input"))
        out.append(Issue("required" if missing else "value", _nearest(prov, field), field or "(body)", reason))
    return out


def map_request(payload: Any) -> FhirConcern:
    """Map a ServiceRequest or Bundle to a valid concern, or raise `FhirInvalid` naming each fault."""
    found = _Resources(payload)
    sr, _ = found.service_request
    key = _idempotency_key(sr)
    patient, _ = found.follow(sr.get("subject"), "ServiceRequest.subject", ("Patient",), "child")
    prov: dict[str, str] = {}
    data = {"child": _child(patient, prov), "family": _family(found, patient, prov),
            "referrer": _referrer(found, prov), "concern": _detail(found, sr, prov)}
    try:
        concern = ConcernIn.model_validate(data)
    except ValidationError as err:
        raise FhirInvalid(issues_of(list(err.errors()), prov)) from None
    return FhirConcern(concern, key, prov)
