"""Helpers for the tiers that run the four services as processes (e2e, faults)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx

from frontdoor_cli.platform import SERVICES, Platform
from frontdoor_cli.stack import free_ports
from frontdoor_cli.testing import fresh_database


def new_platform(home: Any, stack: Any, **env: str) -> Platform:
    """The four services as processes on a database of their own (see fresh_database)."""
    return Platform(home=home, database_url=fresh_database(stack), bootstrap=stack.bootstrap,
                    ports=dict(zip(SERVICES, free_ports(len(SERVICES)), strict=True)), extra_env=dict(env))


def a_concern(age_months: int = 30, *, need_codes: tuple[str, ...] = ("SLCN",), c_and_i: int = 3,
              safeguarding: bool = False, given_name: str = "Amara") -> dict[str, Any]:
    """A realistic concern, about a test child (999 NHS numbers are never issued)."""
    dob = date.today() - timedelta(days=int(age_months * 30.44) + 3)
    return {
        "child": {"given_name": given_name, "family_name": "Testchild", "date_of_birth": dob.isoformat(),
                  "nhs_number": "999 000 0018", "sex": "female", "postcode": "sw1a 1aa",
                  "setting": {"name": "Little Acorns Nursery", "urn": "123456"}},
        "family": {"carers": [{"given_name": "Grace", "family_name": "Testparent", "relationship": "mother",
                               "email": "grace.testparent@example.com", "phone": "07700 900123"}],
                   "preferred_channel": "email", "language": "en", "interpreter_needed": False,
                   "consent_to_share_with": ["health", "early-years", "speech-and-language"]},
        "referrer": {"name": "Hannah Visitor", "role": "health-visitor", "organisation": "Model NHS Trust",
                     "ods_code": "RX1", "email": "hannah.visitor@nhs.example"},
        "concern": {"need_codes": list(need_codes), "ranges": [{"area": "C&I", "range": c_and_i}],
                    "tried": [{"what": "Small group language sessions at nursery", "weeks": 12}],
                    "screening": [{"tool": "WellComm", "outcome": "red", "area": "C&I"}],
                    "description": "Uses very few words at 30 months and is frustrated when not understood.",
                    "urgency": "routine", "safeguarding": safeguarding, "parent_informed": True},
    }


_TOKENS: dict[int, str] = {}


def partner_token(platform: Platform) -> str:
    """A bearer token for the demo partner client (scopes concerns:write and concerns:read)."""
    port = platform.ports["intake"]
    if port not in _TOKENS:
        creds = platform.seed_demo()["partner_client"]
        r = httpx.post(f"http://127.0.0.1:{port}/oauth/token", data={"grant_type": "client_credentials"},
                       auth=(creds["client_id"], creds["client_secret"]), timeout=10)
        r.raise_for_status()
        _TOKENS[port] = r.json()["access_token"]
    return _TOKENS[port]


def auth(platform: Platform) -> dict[str, str]:
    return {"Authorization": f"Bearer {partner_token(platform)}"}


def post_concern(platform: Platform, body: dict[str, Any], key: str | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": key or str(uuid.uuid4()), **auth(platform)}
    return httpx.post(f"http://127.0.0.1:{platform.ports['intake']}/api/v1/concerns", json=body,
                      headers=headers, timeout=10)


def status_of(platform: Platform, reference: str) -> dict[str, Any]:
    r = httpx.get(f"http://127.0.0.1:{platform.ports['intake']}/api/v1/concerns/{reference}", timeout=10,
                  headers=auth(platform))
    r.raise_for_status()
    return r.json()  # type: ignore[no-any-return]


def mailbox(platform: Platform, reference: str | None = None) -> list[dict[str, Any]]:
    params = {"reference": reference} if reference else {}
    r = httpx.get(f"http://127.0.0.1:{platform.ports['notifications']}/api/v1/dev/mailbox",
                  params=params, timeout=10)
    r.raise_for_status()
    return r.json()  # type: ignore[no-any-return]


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if predicate():
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"{what}: not within {timeout:.0f}s")


def decide_as_chair(platform: Platform, reference: str, note: str, *, reasons: tuple[str, ...] = ("family-views",),
                    pathway: str | None = None) -> None:
    """The demo panel's chair records who is present, then confirms triage's recommendation for the
    case (or, with `pathway`, overrides it), with coded reasons and a note, through the panel's own
    forms (session cookie + CSRF); a case the panel has decided before gets a correction of the
    decision that stands, on the meeting it is listed for now."""
    import asyncio

    import sqlalchemy as sa

    from frontdoor_shared.auth import AuthSettings, Principal, Tokens
    from frontdoor_shared.db import make_engine

    async def case_and_meeting() -> Any:
        engine = make_engine(platform.database_url, pool_size=1)
        try:
            async with engine.connect() as conn:
                return (await conn.execute(sa.text(
                    "SELECT c.id, c.recommended_pathway, a.meeting_id, (SELECT d.id FROM early_years.decision d"
                    " WHERE d.case_id = c.id AND NOT EXISTS (SELECT 1 FROM early_years.decision n"
                    " WHERE n.corrects_decision_id = d.id)) AS standing FROM early_years.panel_case c"
                    " JOIN early_years.agenda_item a ON a.case_id = c.id"
                    " JOIN early_years.panel_meeting m ON m.id = a.meeting_id"
                    " WHERE c.reference = :r ORDER BY m.date DESC LIMIT 1"), {"r": reference})).one()
        finally:
            await engine.dispose()

    case = asyncio.run(case_and_meeting())
    chair = Principal("panel-chair", "staff", "panel-chair", panel_id="demo-early-years-panel", name="Chair")
    csrf = uuid.uuid4().hex
    base = f"http://127.0.0.1:{platform.ports['early-years']}"
    with httpx.Client(base_url=base, timeout=15, follow_redirects=False,
                      cookies={"fd_csrf": csrf, "fd_session": Tokens(AuthSettings()).issue(chair)}) as client:
        present = {"panel-chair": "send", "panel-health": "health", "panel-slt": "speech-and-language"}
        saved = client.post("/panel/attendance", data={"csrf_token": csrf, "meeting_id": str(case.meeting_id),
                                                      "present": list(present),
                                                      **{f"agency-{s}": a for s, a in present.items()}})
        assert saved.status_code == 303, saved.text
        review = date.today() + timedelta(days=90)
        decided = client.post(f"/panel/cases/{case.id}/decision", data={
            "csrf_token": csrf, "outcome": "overridden" if pathway else "confirmed",
            "pathway": pathway or case.recommended_pathway, "reasons": list(reasons), "note": note,
            "next_review-day": str(review.day), "next_review-month": str(review.month),
            "next_review-year": str(review.year), "corrects_decision_id": str(case.standing or "")})
        assert decided.status_code == 303, decided.text
