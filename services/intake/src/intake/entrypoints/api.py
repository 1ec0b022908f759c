"""The JSON API: POST /api/v1/concerns, GET /api/v1/concerns/{reference}, and the answer to a request for
more information, POST /api/v1/concerns/{reference}/information, and withdrawal."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from frontdoor_shared.access import (
    Resource,
    can_administer,
    can_erase_concern,
    can_read_concern,
    can_read_panel_evidence,
    can_read_referral,
    can_report_referral_progress,
    can_submit_concern,
)
from frontdoor_shared.auth import Principal
from frontdoor_shared.contracts.concern_withdrawn_v1 import WithdrawalReason
from frontdoor_shared.statutory import received_on
from frontdoor_shared.web import principal_dependency, refuse_unless
from intake.adapters import audit
from intake.adapters.partner_keys import public_jwks
from intake.adapters.repository import ConcernRepository
from intake.bootstrap import Intake
from intake.domain.model import Status, routed_pathway, sent_to_panel
from intake.domain.purposes import PURPOSES, BadPurpose, parse_purpose
from intake.entrypoints.errors import (
    INFORMATION_REFUSED,
    PROGRESS_REFUSED,
    REQUEST_REFUSED,
    WITHDRAWAL_REFUSED,
    problem_responses,
    unprocessable,
)
from intake.service_layer.accounts import end_session
from intake.service_layer.erasure import UnknownReference
from intake.service_layer.problems import problems
from intake.service_layer.progress import BadDay, NotProgressable, ProgressIn, pathway_of
from intake.service_layer.report import BadPeriod, period
from intake.service_layer.report import front_door_report as build_report
from intake.service_layer.revise import NoSuchConcern, NotAwaitingInformation
from intake.service_layer.schemas import ConcernDetail, ConcernIn
from intake.service_layer.submit import (
    IdempotencyConflict,
    IdempotencyRace,
    InvalidConcern,
    Submission,
    submit,
)
from intake.service_layer.withdraw import NotWithdrawable

router = APIRouter(prefix="/api/v1", tags=["concerns"])


class AcceptedOut(BaseModel):
    reference: str = Field(description="The concern's reference, e.g. FD-7K3M-9QXP")
    status_url: str = Field(description="Where to follow its status")
    linked_to_open_concern: bool = Field(description="The child already has an open concern")
    warnings: list[str] = Field(default_factory=list, description=(
        "What the submitter should know, each starting with the field it is about: a parent or carer "
        "given no way to reach them (they will not be written to), a young person aged 25"))


class HistoryItem(BaseModel):
    status: str
    at: str
    detail: dict[str, Any]


class StatusOut(BaseModel):
    reference: str
    status: str
    submitted_at: str
    linked_to_open_concern: bool
    history: list[HistoryItem]


def intake_of(request: Request) -> Intake:
    return request.app.state.intake  # type: ignore[no-any-return]


def principal_of(request: Request) -> Principal:
    return principal_dependency(intake_of(request).tokens)(request)


async def current_principal(request: Request) -> Principal:
    # async on purpose, as every dependency here: FastAPI runs a plain `def` dependency in a worker
    # thread, a hand-off and a wake-up of the event loop on every request for microseconds of work
    return principal_of(request)


Caller = Annotated[Principal, Depends(current_principal)]

EXAMPLE_CONCERN = {  # a test child: NHS numbers starting 999 are never issued
    "child": {"given_name": "Amara", "family_name": "Test", "date_of_birth": "2024-05-10",
              "nhs_number": "999 000 0018", "postcode": "SW1A 1AA"},
    "family": {"carers": [{"given_name": "Grace", "family_name": "Test", "relationship": "mother",
                           "email": "grace@example.com"}], "preferred_channel": "email"},
    "referrer": {"name": "Hannah Visitor", "role": "health-visitor", "organisation": "Model NHS Trust",
                 "email": "hannah@nhs.example"},
    "concern": {"need_codes": ["SLCN"], "ranges": [{"area": "C&I", "range": 3}],
                "tried": [{"what": "Language groups at nursery", "weeks": 12}],
                "screening": [{"tool": "WellComm", "outcome": "red", "area": "C&I"}],
                "description": "Uses very few words and is frustrated when not understood.",
                "parent_informed": True},
}
EXAMPLE_INFORMATION = EXAMPLE_CONCERN["concern"]


@router.post("/concerns", status_code=202, response_model=AcceptedOut, responses={
    200: {"model": AcceptedOut, "description": "The same Idempotency-Key again: the original concern"},
    **problem_responses(400, 401, 403, 413, 415, 422, 503)})
async def post_concern(
    concern: Annotated[ConcernIn, Body(openapi_examples={"speech": {
        "summary": "Speech and language, from a health visitor", "value": EXAMPLE_CONCERN}})],
    request: Request, caller: Caller,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Any:
    """Submit a concern once. Resending with the same Idempotency-Key returns the original.

    Needs a referrer's session or a partner token with the `concerns:write` scope."""
    refuse_unless(can_submit_concern(caller))
    app = intake_of(request)
    sub = Submission(concern=concern, channel="api", submitted_by=caller.subject, actor=caller,
                     idempotency_scope=caller.subject, idempotency_key=idempotency_key)
    try:
        accepted = await app.submit(sub)
    except InvalidConcern as err:
        return unprocessable([{"field": err.field, "reason": err.reason}])
    except IdempotencyConflict as err:
        return unprocessable([{"field": "Idempotency-Key", "reason": str(err)}])
    url = f"{app.settings.public_base_url}/api/v1/concerns/{accepted.reference}"
    body = AcceptedOut(reference=accepted.reference, status_url=url,
                       linked_to_open_concern=accepted.linked, warnings=list(accepted.warnings))
    return JSONResponse(status_code=202 if accepted.created else 200,
                        content=body.model_dump(), headers={"Location": url})


async def submitter_of(request: Request, caller: Principal, reference: str) -> Intake:
    """Intake, once the caller is known to be the one who submitted the concern (anyone else, and
    an unknown reference, get the same 404: no one learns whose concerns exist)."""
    refuse_unless(can_submit_concern(caller))
    app = intake_of(request)
    async with app.runtime.engine.connect() as conn:
        owner = await ConcernRepository(conn).submitted_by(reference)
    refuse_unless(owner is not None and can_read_concern(caller, Resource(submitted_by=owner)), hide=True)
    return app


class InformationOut(BaseModel):
    reference: str = Field(description="The concern's reference")
    status: str = Field(description="information-added: triage will decide again")
    revision: int = Field(description="The concern's version: 2 after the first answer, then 3, ...")
    status_url: str = Field(description="Where to follow its status")


@router.post("/concerns/{reference}/information", status_code=202, response_model=InformationOut,
             responses=problem_responses(400, 401, 403, 404, 409, 415, 422, 503))
async def add_information(
    reference: str,
    about: Annotated[ConcernDetail, Body(openapi_examples={"screening": {
        "summary": "The WellComm result and the support tried that triage asked for",
        "value": EXAMPLE_INFORMATION}})],
    request: Request, caller: Caller,
) -> Any:
    """Answer the council's request for more information (status `more-information-needed`).

    Send the "about the concern" part as it now stands (the part of the concern that triage
    reads: types of need, ranges, what has been tried and for how long, screening results, the
    description): it replaces the one sent before, and triage decides again. 409 when the council
    is not waiting for information. A referrer or partner may answer only for what they submitted."""
    app = await submitter_of(request, caller, reference)
    try:
        revised = await app.add_information(reference, about, caller, "api")
    except NoSuchConcern:
        raise HTTPException(404, detail="not found") from None
    except NotAwaitingInformation as err:
        return JSONResponse(status_code=409, content={"title": INFORMATION_REFUSED, "detail": str(err)})
    except ValidationError as err:  # a rule across the concern's parts (the parent told, for NHS referrers)
        return unprocessable(problems(list(err.errors())), INFORMATION_REFUSED)
    url = f"{app.settings.public_base_url}/api/v1/concerns/{reference}"
    body = InformationOut(reference=reference, status=Status.INFORMATION_ADDED, revision=revised.revision,
                          status_url=url)
    return JSONResponse(status_code=202, content=body.model_dump(), headers={"Location": url})


class WithdrawalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: WithdrawalReason = Field(description=(
        "Why, from the council's list: needs-met (the child's needs are now met without extra help), "
        "family-declined (the family does not want extra help at the moment), moved-away (the family "
        "moved out of the council's area), raised-in-error. The family is told it, in the council's words"))


class WithdrawalOut(BaseModel):
    reference: str = Field(description="The concern's reference")
    status: str = Field(description="withdrawn: nothing more is done about it")
    status_url: str = Field(description="Its status and history")


@router.post("/concerns/{reference}/withdrawal", status_code=202, response_model=WithdrawalOut,
             responses=problem_responses(400, 401, 403, 404, 409, 415, 422, 503))
async def withdraw_concern(reference: str, withdrawal: WithdrawalIn, request: Request, caller: Caller) -> Any:
    """Withdraw a concern the council has not yet decided on (not routed, no panel decision, not
    with safeguarding): every service stops work on it, the panel takes it off its agenda, and the
    family is told why. 409 once the council has decided. Only whoever submitted it."""
    app = await submitter_of(request, caller, reference)
    try:
        await app.withdraw(reference, withdrawal.reason, caller, "api")
    except NoSuchConcern:
        raise HTTPException(404, detail="not found") from None
    except NotWithdrawable as err:
        return JSONResponse(status_code=409, content={"title": WITHDRAWAL_REFUSED, "detail": str(err)})
    url = f"{app.settings.public_base_url}/api/v1/concerns/{reference}"
    body = WithdrawalOut(reference=reference, status=Status.WITHDRAWN, status_url=url)
    return JSONResponse(status_code=202, content=body.model_dump(), headers={"Location": url})


class SubmissionOut(BaseModel):
    reference: str
    status: str
    submitted_at: str
    updated_at: str
    idempotency_key: str | None = Field(default=None, description=(
        "The Idempotency-Key it was sent with; for a concern sent as an event on partner.concerns.v1, that "
        "event's id"))


@router.get("/concerns", response_model=list[SubmissionOut], responses=problem_responses(401, 422, 503))
async def list_my_concerns(request: Request, caller: Caller, idempotency_key: Annotated[str | None, Query(
        min_length=1, max_length=200, description="Only the concern sent with this Idempotency-Key (a partner "
                                                  "event's id): what became of it, and its reference")] = None,
                           ) -> list[SubmissionOut]:
    """The concerns you submitted (a referrer or partner system), newest first. A partner that sent
    a concern as an event finds its reference and status by the event's id (`?idempotency_key=`)."""
    async with intake_of(request).runtime.engine.connect() as conn:
        rows = await ConcernRepository(conn).list_by_submitter(caller.subject, idempotency_key=idempotency_key)
    return [SubmissionOut(reference=r.reference, status=r.status, submitted_at=r.submitted_at.isoformat(),
                          updated_at=r.updated_at.isoformat(), idempotency_key=r.idempotency_key) for r in rows]


async def purpose_of(x_purpose: Annotated[str | None, Header(
        max_length=200, description="Why you are reading or changing this record, for the audit trail: "
                                    "one of " + ", ".join(PURPOSES) + ", optionally followed by a space and "
                                    "a ticket reference such as DP-2026-17. Never free text.")] = None) -> str | None:
    """The caller's purpose, checked (None when none was given: each operation has its default)."""
    if x_purpose is None:
        return None
    try:
        return parse_purpose(x_purpose, default="")
    except BadPurpose as err:
        raise RequestValidationError([{"type": "value_error", "loc": ("header", "X-Purpose"),
                                       "msg": str(err), "input": None}]) from None


Purpose = Annotated[str | None, Depends(purpose_of)]


@router.get("/concerns/{reference}", response_model=StatusOut, responses=problem_responses(401, 404, 422, 503))
async def get_concern(reference: str, request: Request, caller: Caller, x_purpose: Purpose) -> StatusOut:
    """The concern's status and its history, built from the events the services publish.

    A referrer or partner sees only what they submitted; anyone else's reference is not found."""
    app = intake_of(request)
    async with app.runtime.engine.begin() as conn:
        repo = ConcernRepository(conn)
        owner = await repo.submitted_by(reference)
        refuse_unless(owner is not None and can_read_concern(caller, Resource(submitted_by=owner)), hide=True)
        concern = await repo.get(reference)
        if concern is not None:
            await audit.record(conn, caller, "read-status", reference, concern_id=concern.id,
                               why=x_purpose or "status-enquiry", channel="api")
    if concern is None:
        raise HTTPException(404, detail="not found")
    return StatusOut(
        reference=concern.reference, status=concern.status,
        submitted_at=concern.submitted_at.isoformat(),
        linked_to_open_concern=bool(concern.linked_concern_ids),
        history=[HistoryItem(status=h.status, at=h.at.isoformat(), detail=h.detail)
                 for h in concern.history],
    )


@router.get("/referrals/{reference}", tags=["partners"], responses=problem_responses(401, 404, 422, 503),
            summary="Claim check: a routed referral's details, for the partner of its pathway")
async def referral_details(reference: str, request: Request, caller: Caller, x_purpose: Purpose) -> dict[str, Any]:
    """The details behind a thin referral on `referrals.<pathway>.v1`. Needs a token with the
    `referrals:<pathway>:read` scope for the pathway the child was routed to; every read is audited.
    The family's contact details are included only when the family consented to sharing."""
    app = intake_of(request)
    async with app.runtime.engine.begin() as conn:
        repo = ConcernRepository(conn, app.keyring)
        concern = await repo.get(reference)  # decrypted only once the caller may read it
        pathway = routed_pathway(concern.history) if concern else None
        refuse_unless(concern is not None and can_read_referral(caller, Resource(pathway=pathway)), hide=True)
        concern = await repo.get(reference, open_details=True)
        assert concern is not None
        await audit.record(conn, caller, "claim-check", reference, concern_id=concern.id,
                           why=x_purpose or "referral", channel="api")
    details, family = dict(concern.details), _part(concern.details, "family")
    details.pop("family", None)
    shared = {"family": family} if family.get("consent_to_share_with") else {}
    return {"reference": reference, "pathway": pathway, **details, **shared}


class ProgressOut(BaseModel):
    reference: str = Field(description="The concern's reference")
    status: str = Field(description="The concern's status now (referral-accepted, appointment-booked, "
                                    "referral-declined; or where it was, if this report does not move it)")
    recorded: bool = Field(description="False: the same report was made before, and nothing changed")


@router.post("/referrals/{reference}/progress", tags=["partners"], response_model=ProgressOut,
             responses={200: {"model": ProgressOut, "description": "The same report again: nothing changed"},
                        **problem_responses(400, 401, 404, 409, 415, 422, 503)},
             status_code=202, summary="The team a referral was routed to says how it is going")
async def referral_progress(reference: str, progress: Annotated[ProgressIn, Body(openapi_examples={
        "accepted": {"summary": "Accepted; the team will contact the family by a day",
                     "value": {"stage": "accepted", "contact_by": "2027-01-15"}},
        "appointment": {"summary": "The first appointment is booked",
                        "value": {"stage": "appointment-booked", "appointment_on": "2027-01-20"}},
        "declined": {"summary": "Declined, with a reason from the council's list",
                     "value": {"stage": "declined", "reason": "already-known"}}})],
        request: Request, caller: Caller) -> Any:
    """For the team of the pathway the child was routed to (a token with `referrals:<pathway>:update`):
    accepted (and by when you will contact the family), the first appointment booked (send it again
    with the new day if it moves), or declined (a reason from the council's list). The family and the
    referrer are told, the family's status page shows it, and a decline goes back to the council's
    staff. The same report twice changes nothing (200). 409 when the concern is not with your team
    (withdrawn, erased); anyone else, and an unknown reference, get 404."""
    app = intake_of(request)
    async with app.runtime.engine.connect() as conn:
        pathway = await pathway_of(conn, reference)
    refuse_unless(pathway is not None and can_report_referral_progress(caller, Resource(pathway=pathway)),
                  hide=True)
    try:
        done = await app.report_progress(reference, progress, caller)
    except NoSuchConcern:
        raise HTTPException(404, detail="not found") from None
    except BadDay as err:
        return unprocessable([{"field": err.field, "reason": err.reason}], PROGRESS_REFUSED)
    except NotProgressable as err:
        return JSONResponse(status_code=409, content={"title": PROGRESS_REFUSED, "detail": str(err)})
    body = ProgressOut(reference=reference, status=done.status, recorded=done.recorded)
    return JSONResponse(status_code=202 if done.recorded else 200, content=body.model_dump())


class TriedOut(BaseModel):
    what: str = Field(description="Support tried, in the referrer's words")
    weeks: int = Field(description="For how many weeks")


class SameChildOut(BaseModel):
    reference: str = Field(description="Another concern about the same child")
    status: str = Field(description="Its present status")
    submitted_at: str = Field(description="When intake accepted it")


class PanelEvidenceOut(BaseModel):
    """What the referrer told intake, for the early years panel deciding on the case."""

    reference: str
    submitted_at: str
    referrer: dict[str, str] = Field(description="Who raised the concern (name, role, organisation, work email), "
                                                 "so the panel can ask them more")
    description: str = Field(description="The concern, in the referrer's words")
    need_codes: list[str]
    ranges: list[dict[str, Any]] = Field(description="Ranges of need the referrer judged")
    tried: list[TriedOut] = Field(description="Support already tried, and for how long")
    screening: list[dict[str, Any]] = Field(description="Screening results: tool, outcome, area")
    urgency: str
    parent_informed: bool | None
    same_child: list[SameChildOut] = Field(description="Other concerns about the same child (possible duplicates)")


@router.get("/concerns/{reference}/panel-evidence", response_model=PanelEvidenceOut, tags=["panel"],
            responses=problem_responses(401, 404, 422, 503),
            summary="The evidence behind a case sent to the early years panel, for its members")
async def panel_evidence(reference: str, request: Request, caller: Caller, x_purpose: Purpose) -> PanelEvidenceOut:
    """The concern as the referrer gave it, without the child's or the family's identifying or contact
    details: for the panel's members (a panel role) once triage sent it to the panel. Every read is
    audited; any other reference, or a concern not sent to the panel, is not found."""
    app = intake_of(request)
    async with app.runtime.engine.begin() as conn:
        repo = ConcernRepository(conn, app.keyring)
        concern = await repo.get(reference)  # decrypted only once the caller may read it
        refuse_unless(concern is not None and concern.status != Status.ERASED
                      and can_read_panel_evidence(caller, sent_to_panel(concern.history)), hide=True)
        concern = await repo.get(reference, open_details=True)
        assert concern is not None
        others = await repo.summaries([i for i in await repo.same_child(concern.id) if i != concern.id])
        await audit.record(conn, caller, "read-panel-evidence", reference, concern_id=concern.id,
                           why=x_purpose or "panel", channel="api")
    told, referrer = _part(concern.details, "concern"), _part(concern.details, "referrer")
    return PanelEvidenceOut(
        reference=concern.reference, submitted_at=concern.submitted_at.isoformat(),
        referrer={k: str(referrer[k]) for k in ("name", "role", "organisation", "email") if referrer.get(k)},
        description=str(told.get("description") or ""), need_codes=list(told.get("need_codes") or []),
        ranges=list(told.get("ranges") or []), tried=[TriedOut(**t) for t in told.get("tried") or []],
        screening=list(told.get("screening") or []), urgency=str(told.get("urgency") or "routine"),
        parent_informed=told.get("parent_informed"),
        same_child=[SameChildOut(reference=o.reference, status=o.status, submitted_at=o.submitted_at.isoformat())
                    for o in others])


def _part(details: dict[str, object], name: str) -> dict[str, Any]:
    part = details.get(name)
    return dict(part) if isinstance(part, dict) else {}


class ErasureOut(BaseModel):
    erased: list[str] = Field(description="References erased: this concern and any other about the same child")


@router.post("/concerns/{reference}/erasure", response_model=ErasureOut, tags=["data protection"],
             responses=problem_responses(401, 403, 404, 422, 503),
             summary="Erase a child's record everywhere (right to erasure)")
async def erase_concern(reference: str, request: Request, caller: Caller, x_purpose: Purpose) -> ErasureOut:
    """Erase the concern and every concern linked to the same child, in every service: intake
    destroys each one's data key (crypto-shredding) and tells the others. Needs the
    data-protection-officer role; recorded in the audit trail. Erasing again changes nothing."""
    refuse_unless(can_erase_concern(caller))
    try:
        erased = await intake_of(request).erase(reference, caller, x_purpose or "erasure-request", "api")
    except UnknownReference:
        raise HTTPException(404, detail="not found") from None
    return ErasureOut(erased=erased)


class TimingOut(BaseModel):
    reached: int = Field(description="Concerns received in the period that reached this step")
    median_hours: float | None = Field(description="Median hours from the concern's arrival to the step")
    p90_hours: float | None = Field(description="Nine in ten reached it within this many hours")
    within: int | None = Field(description="How many within the promise (None where there is none)")
    within_share: float | None = Field(description="within / reached, 0 to 1")


class StatutoryDueOut(BaseModel):
    reference: str
    routed_on: date = Field(description="The day it was sent to the statutory pathway")
    due: date = Field(description="The last day to decide whether to carry out an EHC needs assessment")
    days_left: int = Field(description="Days from today; negative once the day has passed")


class TeamAnswersOut(BaseModel):
    pathway: str = Field(description="The pathway team (slcn, outreach, sen-support, statutory, universal-advice)")
    sent: int = Field(description="The period's concerns whose latest routing went to this team")
    answered: int = Field(description="How many it answered: accepted, booked the first appointment, or declined")
    within: int = Field(description="Answered within the 20 working days the family is told to expect contact")
    within_share: float | None = Field(description="within / answered, 0 to 1")
    median_working_days: float | None = Field(description="Median working days from the routing to its first answer")
    declined: int = Field(description="How many it declined")
    waiting: int = Field(description="Waiting now for its answer")
    waiting_past_date: int = Field(description="Of those, how many past the 20 working days")


class ReportOut(BaseModel):
    start: date = Field(description="First day of the period (received in England)")
    end: date = Field(description="Last day of the period, included")
    today: date
    received: int = Field(description="Concerns received in the period")
    by_channel: dict[str, int] = Field(description="By door: form, api, fhir, partner")
    where_now: dict[str, int] = Field(description="The period's concerns by their status now")
    family_first_told: TimingOut = Field(description="The family's first message; promise: 1 working day")
    first_decision: TimingOut = Field(description="Triage's first outcome; promise: 5 working days")
    panel_decision: TimingOut = Field(description="The panel's decision, for concerns it decided on")
    awaiting_information: int = Field(description="Waiting now for the referrer's information")
    longest_awaiting_days: int | None = Field(description="Days the longest of those has waited")
    statutory_due: list[StatutoryDueOut] = Field(description=(
        "Concerns on the statutory pathway whose decision is still to come or fell due in the last 28 days, "
        "whenever received"))
    teams: list[TeamAnswersOut] = Field(description="How each pathway team answered the period's referrals")


def report_out(report: Any) -> ReportOut:
    timings = {name: TimingOut(**asdict(getattr(report, name)), within_share=getattr(report, name).within_share)
               for name in ("family_first_told", "first_decision", "panel_decision")}
    teams = [TeamAnswersOut(**asdict(t), within_share=t.within_share) for t in report.teams]
    return ReportOut(**{**asdict(report), **timings, "teams": teams})


@router.get("/reports/front-door", response_model=ReportOut, tags=["council"],
            responses=problem_responses(401, 403, 422, 503), summary="How the front door is doing (council admin)")
async def front_door_report(request: Request, caller: Caller,
                            start: Annotated[date | None, Query(alias="from")] = None,
                            end: Annotated[date | None, Query(alias="to")] = None) -> Any:
    """Counts, medians and shares for the concerns received in the period (by default the last 28
    days; at most two years), and the statutory decisions falling due: see
    `intake.service_layer.report`. Needs the council-admin role; recorded in the audit trail."""
    refuse_unless(can_administer(caller))
    app = intake_of(request)
    today = received_on(datetime.now(UTC))
    try:
        start, end = period(start, end, today)
    except BadPeriod as err:
        return unprocessable([{"field": err.field, "reason": err.reason}], REQUEST_REFUSED)
    async with app.runtime.engine.begin() as conn:
        report = await build_report(conn, start, end, today)
        await audit.record(conn, caller, "read-report", "front-door-report", why=f"{start} to {end}", channel="api")
    return report_out(report)


async def bearer_principal(request: Request) -> Principal:
    """The principal of the bearer token only (never the session cookie: a page elsewhere cannot
    make a browser end its own session)."""
    if not request.headers.get("authorization", "").lower().startswith("bearer "):
        raise HTTPException(401, detail="send the session's token as a bearer token",
                            headers={"WWW-Authenticate": 'Bearer realm="frontdoor"'})
    return principal_of(request)


@router.delete("/session", status_code=204, tags=["authentication"], responses=problem_responses(401, 409, 503),
               summary="End the session of the token sent, on every service")
async def delete_session(request: Request, caller: Annotated[Principal, Depends(bearer_principal)]) -> Response:
    """Sign out: the token sent (a member of staff's session, or a partner system's token) is
    refused by every service from now on (`intake.access-revoked.v1`), before it would run out.
    The other Front Door services' sign-out buttons end the session here."""
    app = intake_of(request)
    if not await end_session(app.runtime.engine, caller, here=app.tokens.revocations):
        # a token from the council's own provider that names no session (no `sid`): it runs out
        raise HTTPException(409, detail="this token names no session to end: it is refused once it expires")
    return Response(status_code=204)


@router.get("/jwks.json", tags=["partners"], summary="Intake's public key for partner concerns (JWKS)")
async def jwks(request: Request) -> dict[str, Any]:
    """Partners encrypt concerns sent on `partner.concerns.v1` to this key (JWE, ECDH-ES+A256KW, A256GCM)."""
    return public_jwks(intake_of(request).partner_key)


__all__ = ["IdempotencyRace", "router", "submit"]
