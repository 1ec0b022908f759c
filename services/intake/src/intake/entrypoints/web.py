"""The web form for professionals (GOV.UK Design System, works without JavaScript): my concerns,
a concern's status, and "submit a concern" in pages: child, family, referrer, concern, check.

Nothing is kept between pages: each page's form carries the answers so far as hidden fields, so
no identifier sits in a cookie or a server-side draft. Each page is checked by the same models as
every other door (`intake.service_layer.schemas`); a failure shows in the error summary and at
its field. The check page adds an idempotency key, so sending twice gives one concern.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, tzinfo
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from frontdoor_shared.access import (
    Resource,
    can_administer,
    can_read_concern,
    can_report_referral_progress,
    can_submit_concern,
)
from frontdoor_shared.auth import SESSION_COOKIE, NotAuthenticated, PasswordChangeRequired, Principal
from frontdoor_shared.contracts.concern_withdrawn_v1 import WITHDRAWAL_REASONS
from frontdoor_shared.contracts.referral_progressed_v1 import DECLINE_REASONS
from frontdoor_shared.govuk import page_context, templates_of
from frontdoor_shared.statutory import received_on
from frontdoor_shared.web import verify_csrf
from intake.adapters import audit
from intake.adapters.repository import ConcernRepository
from intake.domain import checks
from intake.domain.model import FINISHED_BY_COUNCIL, WITHDRAWABLE, Status, routed_pathway
from intake.entrypoints.api import intake_of
from intake.service_layer import report
from intake.service_layer.problems import problems
from intake.service_layer.revise import NoSuchConcern, NotAwaitingInformation
from intake.service_layer.schemas import Child, ConcernDetail, ConcernIn, Family, Referrer
from intake.service_layer.submit import IdempotencyConflict, InvalidConcern, Submission
from intake.service_layer.withdraw import NotWithdrawable

router = APIRouter(include_in_schema=False)
SERVICE = "Submit a concern"
PAGES: dict[str, type[BaseModel]] = {"child": Child, "family": Family, "referrer": Referrer,
                                     "concern": ConcernDetail}
STEPS = (*PAGES, "check")
TITLES = {"child": "About the child", "family": "About the family", "referrer": "About you",
          "concern": "About the concern", "check": "Check your answers before sending"}
_REFERENCE = re.compile(r"FD-[0-9A-Z]{4}-[0-9A-Z]{4}")
_NAMED = re.compile(r"^([a-z_]+(?:\.[a-z0-9_]+)+) is (?:needed|required)")
Problem = tuple[str, str]  # (intake field, reason)


def _london() -> tzinfo:
    try:
        return ZoneInfo("Europe/London")
    except ZoneInfoNotFoundError:  # a slim image without tzdata: show UTC rather than fail
        return UTC


def _long_date(day: date | str) -> str:
    """GOV.UK style, 12 January 2027 (a date, or one as ISO text from a history line)."""
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{day.day} {day:%B %Y}"


def _when(at: datetime) -> str:
    t = at.astimezone(_london())
    return f"{t.day} {t:%B %Y}, {t.hour % 12 or 12}:{t:%M}{'am' if t.hour < 12 else 'pm'}"


async def _referrer(request: Request) -> Principal:
    """The signed-in member of staff who may submit concerns; otherwise off to sign in."""
    return _signed_in(request, can_submit_concern, "/concerns")


async def _council_admin(request: Request) -> Principal:
    """The signed-in council administrator (the council's reports); otherwise off to sign in."""
    return _signed_in(request, can_administer, "/reports/front-door")


def _signed_in(request: Request, allowed: Callable[[Principal], bool], home: str) -> Principal:
    token = request.cookies.get(SESSION_COOKIE)
    try:
        principal = intake_of(request).tokens.verify(token) if token else None
    except PasswordChangeRequired:
        raise HTTPException(303, detail="change your password", headers={"Location": "/account/password"}) from None
    except NotAuthenticated:
        principal = None
    if principal is None:
        target = request.url.path if request.method == "GET" else home
        raise HTTPException(303, detail="sign in", headers={"Location": f"/sign-in?next={target}"})
    if not allowed(principal):
        raise HTTPException(403, detail="your role does not allow this")
    return principal


Caller = Annotated[Principal, Depends(_referrer)]
CouncilAdmin = Annotated[Principal, Depends(_council_admin)]


# --- the form's answers: field names, and what each page gives the models --------------------

Answers = dict[str, list[str]]
# intake field -> (form field id, what to say when it was left empty)
FIELDS: dict[str, tuple[str, str]] = {
    "child.given_name": ("child-given-name", "Enter the child's first name"),
    "child.family_name": ("child-family-name", "Enter the child's last name"),
    "child.date_of_birth": ("child-dob", "Enter the child's date of birth, or the expected date of delivery if "
                            "the child is not born yet"),
    "child": ("child-edd", "Leave the expected date of delivery blank when you give a date of birth"),
    "child.expected_delivery_date": ("child-edd", "Enter the expected date of delivery"),
    "child.nhs_number": ("child-nhs-number", "Enter the child's NHS number"),
    "child.upn": ("child-upn", "Enter the child's unique pupil number"),
    "child.sex": ("child-sex", "Select the child's sex"),
    "child.postcode": ("child-postcode", "Enter the postcode of the child's home"),
    "child.setting": ("child-setting-name", "Enter the name of the setting or school"),
    "child.setting.urn": ("child-setting-urn", "Enter the setting's URN"),
    "family": ("family-carer-given-name", "Enter the parent or carer's details"),
    "family.carers.0.given_name": ("family-carer-given-name", "Enter the parent or carer's first name"),
    "family.carers.0.family_name": ("family-carer-family-name", "Enter the parent or carer's last name"),
    "family.carers.0.relationship": ("family-carer-relationship", "Select their relationship to the child"),
    "family.carers.0.email": ("family-carer-email", "Enter an email address, or choose another way to "
                              "contact the family"),
    "family.carers.0.phone": ("family-carer-phone", "Enter a mobile number for text messages, or choose "
                              "another way to contact the family"),
    "family.carers.0.address": ("family-carer-address", "Enter a postal address for letters, or choose "
                                "another way to contact the family"),
    "family.carers.1.given_name": ("family-other-given-name", "Enter the other parent or carer's first name"),
    "family.carers.1.family_name": ("family-other-family-name", "Enter the other parent or carer's last name"),
    "family.carers.1.relationship": ("family-other-relationship", "Select the other parent or carer's "
                                     "relationship to the child"),
    "family.carers.1.email": ("family-other-email", "Enter the other parent or carer's email address"),
    "family.carers.1.phone": ("family-other-phone", "Enter the other parent or carer's mobile number"),
    "family.carers.1.address": ("family-other-address", "Enter the other parent or carer's postal address"),
    "family.preferred_channel": ("family-preferred-channel", "Select how the family would like to hear from us"),
    "family.language": ("family-language", "Select the family's preferred language"),
    "family.interpreter_needed": ("family-interpreter-needed", "Select whether the family needs an interpreter"),
    "family.consent_to_share_with": ("family-consent", "Select who the family agreed we may share this with"),
    "referrer": ("referrer-name", "Enter your details"),
    "referrer.name": ("referrer-name", "Enter your full name"),
    "referrer.role": ("referrer-role", "Select your role"),
    "referrer.organisation": ("referrer-organisation", "Enter the name of your organisation"),
    "referrer.ods_code": ("referrer-ods-code", "Enter your organisation's ODS code"),
    "referrer.school_urn": ("referrer-school-urn", "Enter your school's URN"),
    "referrer.email": ("referrer-email", "Enter your email address"),
    "referrer.phone": ("referrer-phone", "Enter your phone number"),
    "concern.need_codes": ("concern-need-codes", "Select at least one type of need"),
    "concern.ranges": ("concern-range-ci", "Select a range from 1 to 7, or not judged"),
    "concern.tried.0.what": ("concern-tried-what", "Describe what has been tried"),
    "concern.tried.0.weeks": ("concern-tried-weeks", "Enter for how many weeks it has been tried"),
    "concern.screening": ("concern-wellcomm", "Select a screening result, or not done"),
    "concern": ("concern-description", "Describe your concern"),
    "concern.description": ("concern-description", "Describe your concern"),
    "concern.urgency": ("concern-urgency", "Select how urgent this is"),
    "concern.safeguarding": ("concern-safeguarding", "Select whether there is a safeguarding concern"),
    "submission": ("send", "Your answers changed after they were sent: check them and send again"),
    "concern.parent_informed": ("concern-parent-informed", "Select whether you have told the parent: health "
                                "professionals must tell them before telling the council"),
}
_ORDER: dict[str, int] = {}
for _fid, _ in FIELDS.values():  # FIELDS lists the fields in the order the pages show them
    _ORDER.setdefault(_fid, len(_ORDER))
DATES = ("child-dob", "child-edd")
_DATE_TEXT = "Enter a real date, like 27 3 2023"
_NUMBER_TEXT = {"concern-tried-weeks": "Enter for how many weeks it has been tried as a whole number, like 8"}
AREAS = {"ci": "C&I", "cl": "C&L", "semh": "SEMH", "sp": "S&P"}
SCREENING = {"wellcomm": ("WellComm", "C&I"), "asq3": ("ASQ-3", None), "asqse": ("ASQ:SE-2", "SEMH")}


def _answers_from(posted: Any) -> Answers:
    """Only the journey's own fields (each named after its page), as lists (checkboxes repeat)."""
    return {k: [v for v in posted.getlist(k) if isinstance(v, str)][:20] for k in posted
            if k.split("-")[0] in PAGES and len(k) <= 40}


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def _one(a: Answers, name: str) -> str:
    return (a.get(name) or [""])[0].strip()


def _opt(a: Answers, name: str) -> str | None:
    return _one(a, name) or None


def _yes_no(a: Answers, name: str) -> bool | str:
    """True or False; anything else goes to the model as given, which refuses it."""
    return {"yes": True, "no": False}.get(_one(a, name), _one(a, name))


def _date(a: Answers, name: str) -> str:
    year, month, day = (_one(a, f"{name}-{part}") for part in ("year", "month", "day"))
    return f"{year:0>4}-{month:0>2}-{day:0>2}" if year or month or day else ""


def _some(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _child(a: Answers) -> dict[str, Any]:
    born, due = _date(a, "child-dob"), _date(a, "child-edd")
    setting, urn = _opt(a, "child-setting-name"), _opt(a, "child-setting-urn")
    return _some({
        "given_name": _one(a, "child-given-name"), "family_name": _one(a, "child-family-name"),
        "date_of_birth": born if born or not due else None, "expected_delivery_date": due or None,
        "nhs_number": _opt(a, "child-nhs-number"), "upn": _opt(a, "child-upn"), "sex": _opt(a, "child-sex"),
        "postcode": _one(a, "child-postcode"),
        "setting": _some({"name": setting or "", "urn": urn}) if setting or urn else None})


OTHER_CARER = ("family-other-given-name", "family-other-family-name", "family-other-relationship",
               "family-other-email", "family-other-phone", "family-other-address")


def _carer(a: Answers, prefix: str) -> dict[str, Any]:
    return _some({"given_name": _one(a, f"{prefix}-given-name"), "family_name": _one(a, f"{prefix}-family-name"),
                  "relationship": _one(a, f"{prefix}-relationship"), "email": _opt(a, f"{prefix}-email"),
                  "phone": _opt(a, f"{prefix}-phone"), "address": _opt(a, f"{prefix}-address")})


def _family(a: Answers) -> dict[str, Any]:
    """The parent or carer, and another (optional: given when any of their fields is), e.g. a
    parent who lives apart: the family's messages go to each of them."""
    other = [_carer(a, "family-other")] if any(_one(a, name) for name in OTHER_CARER) else []
    return {"carers": [_carer(a, "family-carer"), *other], "preferred_channel": _one(a, "family-preferred-channel"),
            "language": _one(a, "family-language"), "interpreter_needed": _yes_no(a, "family-interpreter-needed"),
            "consent_to_share_with": a.get("family-consent", [])}


def _referrer_answers(a: Answers) -> dict[str, Any]:
    fields = ("name", "role", "organisation", "ods_code", "school_urn", "email", "phone")
    given = {f: _opt(a, "referrer-" + f.replace("_", "-")) for f in fields}
    return _some({**given, **{f: given[f] or "" for f in ("name", "role", "organisation", "email")}})


def _concern(a: Answers) -> dict[str, Any]:
    what, weeks, informed = _one(a, "concern-tried-what"), _one(a, "concern-tried-weeks"), _one(
        a, "concern-parent-informed")
    return {
        "need_codes": a.get("concern-need-codes", []), "description": _one(a, "concern-description"),
        "ranges": [{"area": area, "range": _one(a, f"concern-range-{k}")} for k, area in AREAS.items()
                   if _one(a, f"concern-range-{k}")],
        "tried": [{"what": what, "weeks": weeks}] if what or weeks else [],
        "screening": [_some({"tool": tool, "outcome": _one(a, f"concern-{k}"), "area": area})
                      for k, (tool, area) in SCREENING.items() if _one(a, f"concern-{k}") not in ("", "not-done")],
        "urgency": _one(a, "concern-urgency"), "safeguarding": _yes_no(a, "concern-safeguarding"),
        "parent_informed": None if informed == "not-applicable" else _yes_no(a, "concern-parent-informed")}


BUILDERS = {"child": _child, "family": _family, "referrer": _referrer_answers, "concern": _concern}


def _field(path: str) -> tuple[str, str]:
    while path and path not in FIELDS:
        path = path.rpartition(".")[0]
    return FIELDS.get(path, ("main-content", "Check this answer"))


def _messages(found: list[Problem], a: Answers) -> tuple[dict[str, str], list[dict[str, str]]]:
    """A message at each field, and the error summary linking to the first input of each."""
    at: dict[str, str] = {}
    for path, reason in found:
        fid, empty = _field(path)
        given = _date(a, fid) if fid in DATES else "".join(a.get(fid, []))
        if not given.strip() or _NAMED.match(reason) or "." not in path:  # empty, or a rule across fields
            text = empty
        else:
            text = (_DATE_TEXT if reason.startswith("Input should be a valid date") else
                    _NUMBER_TEXT.get(fid, "Enter a whole number, like 8")
                    if reason.startswith("Input should be a valid integer") else reason[:1].upper() + reason[1:])
        at.setdefault(fid, text)
    ordered = sorted(at.items(), key=lambda item: _ORDER.get(item[0], len(_ORDER)))  # as on the page
    return at, [{"text": text, "href": f"#{fid}-day" if fid in DATES else f"#{fid}"} for fid, text in ordered]


# --- checking answers with the one validation ------------------------------------------------

def _translate(err: ValidationError, section: str) -> list[Problem]:
    out = []
    for item in problems(list(err.errors())):
        field = "" if item["field"] == "(body)" else item["field"]
        path = ".".join(p for p in (section, field) if p)
        named = _NAMED.match(item["reason"])
        if named:  # a rule across fields names the field it needs
            found = named.group(1)
            path = found if found.split(".")[0] in PAGES else f"{path}.{found}"
        out.append((re.sub(r"\[(\d+)\]", r".\1", path), item["reason"]))
    return out


def _check(answers: Answers, section: str) -> list[Problem]:
    try:
        model = PAGES[section].model_validate(BUILDERS[section](answers))
    except ValidationError as err:
        return _translate(err, section)
    if isinstance(model, Child):
        try:
            if model.date_of_birth:
                checks.check_date_of_birth(model.date_of_birth, date.today(), "child.date_of_birth")
            if model.expected_delivery_date:
                checks.check_expected_delivery_date(model.expected_delivery_date, date.today())
        except checks.CheckFailed as failed:
            return [(failed.field, failed.reason)]
    return []


def _check_all(answers: Answers) -> tuple[ConcernIn | None, list[Problem]]:
    """Each page, then the rules across pages (an NHS referrer must say the parent was told)."""
    for section in PAGES:
        found = _check(answers, section)
        if found:
            return None, found
    try:
        return ConcernIn.model_validate({s: BUILDERS[s](answers) for s in PAGES}), []
    except ValidationError as err:
        return None, _translate(err, "")


# --- pages -----------------------------------------------------------------------------------

def _render(request: Request, principal: Principal, template: str, title: str, status: int = 200,
            **values: Any) -> Response:
    context = page_context(request, title=title, service_name=SERVICE, principal=principal, home_url="/concerns",
                           **{"errors": [], **values})
    return templates_of(request).TemplateResponse(request, template, context, status_code=status)


def _page(request: Request, principal: Principal, step: str, answers: Answers,
          found: list[Problem] | None = None, return_to: str = "", **extra: Any) -> Response:
    found = found or []
    step = found[0][0].split(".")[0] if found and found[0][0].split(".")[0] in PAGES else step
    field_errors, summary = _messages(found, answers)
    if step == "referrer" and not any(k.startswith("referrer-") for k in answers):
        answers = {**answers, "referrer-name": [principal.name or ""],
                   "referrer-organisation": [principal.organisation or ""]}
    index = STEPS.index(step)
    following = "submit" if step == "check" else "check" if return_to == "check" else STEPS[index + 1]
    return _render(request, principal, f"concern_{step}.html", TITLES[step], 422 if found else 200,
        errors=summary, field_errors=field_errors, answers=answers, step=step, return_to=return_to,
        action=f"/concerns/new/{following}", back=STEPS[index - 1] if index else None,
        value=lambda name: (answers.get(name) or [""])[0], values=lambda name: answers.get(name, []),
        err=lambda fid: {"text": field_errors[fid]} if fid in field_errors else None,
        **extra)


async def _posted(request: Request) -> tuple[Answers, dict[str, str]]:
    posted = await request.form()
    control = {k: str(posted.get(k) or "") for k in ("csrf_token", "action", "step", "return_to", "key")}
    verify_csrf(request, control["csrf_token"])
    return _answers_from(posted), control


@router.get("/")
async def home() -> Response:
    return RedirectResponse("/concerns", status_code=303)


@router.get("/concerns/new")
async def start() -> Response:
    return RedirectResponse("/concerns/new/child", status_code=303)


@router.get("/concerns/new/{step}")
async def first_page(step: str, request: Request, principal: Caller) -> Response:
    if step != "child":  # answers live in the form: without them, begin again
        return RedirectResponse("/concerns/new/child", status_code=303)
    return _page(request, principal, "child", {})


@router.post("/concerns/new/submit")
async def send(request: Request, principal: Caller) -> Response:
    answers, control = await _posted(request)
    concern, found = _check_all(answers)
    if concern is None:
        return _page(request, principal, "check", answers, found)
    key = control["key"] if _is_uuid(control["key"]) else str(uuid.uuid4())
    sub = Submission(concern=concern, channel="form", submitted_by=principal.subject, actor=principal,
                     idempotency_scope=principal.subject, idempotency_key=f"form|{key}")
    try:
        accepted = await intake_of(request).submit(sub)
    except InvalidConcern as err:
        return _page(request, principal, "check", answers, [(err.field, err.reason)])
    except IdempotencyConflict:
        return _page(request, principal, "check", answers, [("submission", "changed")], key=str(uuid.uuid4()))
    return RedirectResponse(f"/concerns/{accepted.reference}/confirmation", status_code=303)


@router.post("/concerns/new/{step}")
async def next_page(step: str, request: Request, principal: Caller) -> Response:
    if step not in STEPS:
        raise HTTPException(404, detail="not found")
    answers, control = await _posted(request)
    done, return_to = control["step"], "check" if control["action"] == "change" else control["return_to"]
    if control["action"] not in ("back", "change") and done in PAGES:
        found = _check_all(answers)[1] if done == "concern" else _check(answers, done)
        if found:
            return _page(request, principal, done, answers, found, return_to)
    if step == "check":
        _, found = _check_all(answers)
        return _page(request, principal, "check", answers, found, key=str(uuid.uuid4()))
    return _page(request, principal, step, answers, [], return_to)


# --- my concerns ----------------------------------------------------------------------------

def _not_found(request: Request, principal: Principal) -> Response:
    return _render(request, principal, "concern_not_found.html", "Concern not found", 404)


async def _own(request: Request, principal: Principal, reference: str) -> Any:
    """The concern if this person may see it (their own); None otherwise, as if it did not exist."""
    if not _REFERENCE.fullmatch(reference):
        return None
    async with intake_of(request).runtime.engine.begin() as conn:
        repo = ConcernRepository(conn)
        owner = await repo.submitted_by(reference)
        if owner is None or not can_read_concern(principal, Resource(submitted_by=owner)):
            return None
        concern = await repo.get(reference)
        if concern is not None:
            await audit.record(conn, principal, "read-status", reference, concern_id=concern.id,
                               why="referrer follows their concern", channel="web")
        return concern


@router.get("/concerns")
async def my_concerns(request: Request, principal: Caller) -> Response:
    async with intake_of(request).runtime.engine.connect() as conn:
        rows = await ConcernRepository(conn).list_by_submitter(principal.subject)
    items = [{"reference": r.reference, "status": r.status, "submitted": _when(r.submitted_at),
              "updated": _when(r.updated_at)} for r in rows]
    return _render(request, principal, "concerns.html", "Your concerns", concerns=items)


def answerable(principal: Principal, concern: Any) -> bool:
    """This person may record a team's answer on this concern, and there is a team to answer."""
    pathway = routed_pathway(concern.history)
    return concern.status in FINISHED_BY_COUNCIL and can_report_referral_progress(principal, Resource(pathway=pathway))


@router.get("/concerns/{reference}")
async def concern_status(reference: str, request: Request, principal: Caller) -> Response:
    concern = await _own(request, principal, reference)
    if concern is None:
        return _not_found(request, principal)
    history = [{"status": h.status, "at": _when(h.at), "detail": h.detail} for h in reversed(concern.history)]
    return _render(request, principal, "concern_status.html", f"Concern {reference}", concern=concern,
                   submitted=_when(concern.submitted_at), history=history, asked_for=_asked_for(concern),
                   sent=request.query_params.get("sent") == "information",
                   withdrawn=request.query_params.get("done") == "withdrawn",
                   withdrawable=concern.status in WITHDRAWABLE, reasons=WITHDRAWAL_REASONS,
                   declined=DECLINE_REASONS, long_date=_long_date, answerable=answerable(principal, concern),
                   team_answered=request.query_params.get("done") == "team-answer")


# --- the council's report --------------------------------------------------------------------

DOORS = {"form": "Through the web form", "api": "Through the JSON API", "fhir": "Through FHIR (NHS systems)",
         "partner": "As partner events"}


def day_from(values: Any, prefix: str) -> date | str | None:
    """A day from a GOV.UK date input's three fields in `values` (query parameters or a posted form):
    None when all are blank; the prefix when it is not a real date."""
    parts = [str(values.get(f"{prefix}-{p}") or "").strip() for p in ("year", "month", "day")]
    if not any(parts):
        return None
    try:
        return date(*(int(p) for p in parts))
    except ValueError:
        return prefix


@router.get("/reports/front-door")
async def front_door_report(request: Request, principal: CouncilAdmin) -> Response:
    today = received_on(datetime.now(UTC))
    asked = {prefix: day_from(request.query_params, prefix) for prefix in ("from", "to")}
    errors = [{"text": f"Enter a real date for '{p.capitalize()}', like 27 3 2026", "href": f"#{p}"}
              for p, d in asked.items() if isinstance(d, str)]
    start_day, end_day = (d if isinstance(d, date) else None for d in asked.values())
    try:
        start, end = report.period(start_day, end_day, today)
    except report.BadPeriod as err:
        errors.append({"text": f"The period must start on or before its last day, and cover at most two years "
                               f"({err.reason})", "href": "#from"})
        start, end = report.period(None, None, today)
    async with intake_of(request).runtime.engine.begin() as conn:
        found = await report.front_door_report(conn, start, end, today)
        await audit.record(conn, principal, "read-report", "front-door-report", why=f"{start} to {end}",
                           channel="web")
    return _render(request, principal, "report.html", "How the front door is doing", 422 if errors else 200,
                   errors=errors, report=found, doors=DOORS, long_date=_long_date)


# --- answering a request for more information ------------------------------------------------

def _form_answers(about: dict[str, Any]) -> Answers:
    """The "about the concern" answers as the form shows them, from the stored concern."""
    told = about.get("parent_informed")
    informed = "not-applicable" if told is None else "yes" if told else "no"
    a: Answers = {"concern-need-codes": list(about.get("need_codes") or []),
                  "concern-description": [about.get("description") or ""],
                  "concern-urgency": [about.get("urgency") or "routine"],
                  "concern-safeguarding": ["yes" if about.get("safeguarding") else "no"],
                  "concern-parent-informed": [informed]}
    ranges = {r["area"]: str(r["range"]) for r in about.get("ranges") or []}
    a |= {f"concern-range-{k}": [ranges[area]] for k, area in AREAS.items() if area in ranges}
    tried = about.get("tried") or []
    if tried:
        a |= {"concern-tried-what": [tried[0]["what"]], "concern-tried-weeks": [str(tried[0]["weeks"])]}
    for k, (tool, _) in SCREENING.items():
        outcome = next((sc["outcome"] for sc in about.get("screening") or [] if sc["tool"] == tool), None)
        a[f"concern-{k}"] = [outcome or "not-done"]
    return a


def _answered(answers: Answers, before: dict[str, Any]) -> dict[str, Any]:
    """The form's answers as the model's fields, keeping what the form cannot show (more than one
    thing tried, a screening tool it does not list: both possible through the API)."""
    about = _concern(answers)
    shown = {tool for tool, _ in SCREENING.values()}
    about["tried"] = about["tried"] + list((before.get("tried") or [])[1:])
    about["screening"] = about["screening"] + [sc for sc in before.get("screening") or [] if sc["tool"] not in shown]
    return about


def _asked_for(concern: Any) -> list[str]:
    """What triage last asked for."""
    asked = [h for h in concern.history if h.status == Status.MORE_INFORMATION_NEEDED]
    return list(asked[-1].detail.get("missing") or []) if asked else []


async def _awaiting(request: Request, principal: Principal, reference: str) -> tuple[Any, Response | None]:
    """The concern with its details, or the response instead: not found, or back to its page
    when the council is not waiting for information."""
    if await _own(request, principal, reference) is None:
        return None, _not_found(request, principal)
    intake = intake_of(request)
    async with intake.runtime.engine.connect() as conn:
        concern = await ConcernRepository(conn, intake.keyring).get(reference, open_details=True)
    if concern is None or concern.status != Status.MORE_INFORMATION_NEEDED:
        return None, RedirectResponse(f"/concerns/{reference}", status_code=303)
    return concern, None


def _information_page(request: Request, principal: Principal, concern: Any, answers: Answers,
                      found: list[Problem] | None = None) -> Response:
    found = found or []
    field_errors, summary = _messages(found, answers)
    return _render(request, principal, "concern_information.html", "Add the information the council asked for",
                   422 if found else 200, errors=summary, field_errors=field_errors, answers=answers,
                   step="concern", return_to="", back=None, caption=f"Concern {concern.reference}",
                   back_href=f"/concerns/{concern.reference}", asked_for=_asked_for(concern),
                   action=f"/concerns/{concern.reference}/information",
                   value=lambda name: (answers.get(name) or [""])[0], values=lambda name: answers.get(name, []),
                   err=lambda fid: {"text": field_errors[fid]} if fid in field_errors else None)


@router.get("/concerns/{reference}/information")
async def information_form(reference: str, request: Request, principal: Caller) -> Response:
    concern, instead = await _awaiting(request, principal, reference)
    if instead is not None:
        return instead
    return _information_page(request, principal, concern, _form_answers(concern.details.get("concern") or {}))


@router.post("/concerns/{reference}/information")
async def add_information(reference: str, request: Request, principal: Caller) -> Response:
    answers, _ = await _posted(request)
    concern, instead = await _awaiting(request, principal, reference)
    if instead is not None:
        return instead
    found = _check(answers, "concern")
    if found:
        return _information_page(request, principal, concern, answers, found)
    about = ConcernDetail.model_validate(_answered(answers, concern.details.get("concern") or {}))
    try:
        await intake_of(request).add_information(reference, about, principal, "form")
    except ValidationError as err:  # a rule across the concern's parts: the parent told, for NHS referrers
        return _information_page(request, principal, concern, answers, _translate(err, ""))
    except (NoSuchConcern, NotAwaitingInformation):  # answered meanwhile, or erased
        return RedirectResponse(f"/concerns/{reference}", status_code=303)
    return RedirectResponse(f"/concerns/{reference}?sent=information", status_code=303)


# --- withdrawing a concern ------------------------------------------------------------------

def _withdraw_page(request: Request, principal: Principal, reference: str, error: str | None = None) -> Response:
    errors = [{"text": error, "href": "#reason"}] if error else []
    return _render(request, principal, "concern_withdraw.html", f"Withdraw concern {reference}",
                   422 if error else 200, errors=errors, error=error, reference=reference,
                   reasons=WITHDRAWAL_REASONS)


@router.get("/concerns/{reference}/withdraw")
async def withdraw_form(reference: str, request: Request, principal: Caller) -> Response:
    concern = await _own(request, principal, reference)
    if concern is None:
        return _not_found(request, principal)
    if concern.status not in WITHDRAWABLE:
        return RedirectResponse(f"/concerns/{reference}", status_code=303)
    return _withdraw_page(request, principal, reference)


@router.post("/concerns/{reference}/withdraw")
async def withdraw_concern(reference: str, request: Request, principal: Caller) -> Response:
    posted = await request.form()
    verify_csrf(request, str(posted.get("csrf_token") or ""))
    if await _own(request, principal, reference) is None:
        return _not_found(request, principal)
    reason = str(posted.get("reason") or "")
    if reason not in WITHDRAWAL_REASONS:
        return _withdraw_page(request, principal, reference, "Select why you are withdrawing the concern")
    try:
        await intake_of(request).withdraw(reference, reason, principal, "form")
    except (NoSuchConcern, NotWithdrawable):  # decided meanwhile, or erased: the page says where it is
        return RedirectResponse(f"/concerns/{reference}", status_code=303)
    return RedirectResponse(f"/concerns/{reference}?done=withdrawn", status_code=303)


@router.get("/concerns/{reference}/confirmation")
async def confirmation(reference: str, request: Request, principal: Caller) -> Response:
    concern = await _own(request, principal, reference)
    if concern is None:
        return _not_found(request, principal)
    return _render(request, principal, "concern_sent.html", "Concern sent", reference=reference)
