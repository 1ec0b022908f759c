"""The council's report on the whole platform: a council administrator reads how the front door is
doing (JSON and the page), every read in the audit trail; anyone else is refused; a period that
cannot be reported names the field."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tests.support import a_concern, mailbox, post_concern, status_of, wait_for

pytestmark = pytest.mark.e2e


@contextlib.contextmanager
def _signed_in(platform: Any, role: str) -> Iterator[httpx.Client]:
    user = platform.seed_demo()["users"][role]
    with httpx.Client(base_url=f"http://127.0.0.1:{platform.ports['intake']}", follow_redirects=False,
                      timeout=10) as browser:
        browser.get("/sign-in")
        signed_in = browser.post("/sign-in", data={"email": user["email"], "password": user["password"],
                                                   "csrf_token": browser.cookies["fd_csrf"], "next": "/concerns"})
        assert signed_in.status_code == 303
        yield browser


def _report_reads(platform: Any) -> set[tuple[str, str]]:
    from frontdoor_shared.db import make_engine

    async def read() -> set[tuple[str, str]]:
        engine = make_engine(platform.database_url, pool_size=1)
        try:
            async with engine.connect() as conn:
                rows = (await conn.execute(sa.text(
                    "SELECT actor, channel FROM intake.audit WHERE action = 'read-report'"
                    " AND reference = 'front-door-report'"))).all()
        finally:
            await engine.dispose()
        return {(r.actor, r.channel) for r in rows}

    return asyncio.run(read())


def test_a_council_administrator_sees_how_the_front_door_is_doing(platform) -> None:  # type: ignore[no-untyped-def]
    with _signed_in(platform, "council-admin") as admin:
        before = admin.get("/api/v1/reports/front-door")
        assert before.status_code == 200, before.text
        body = a_concern(given_name="Reported")
        body["child"]["nhs_number"] = "999 000 0069"
        reference = post_concern(platform, body).json()["reference"]
        wait_for(lambda: status_of(platform, reference)["status"] == "listed-for-panel", 60, "listed")
        wait_for(lambda: any(m["template"] == "family/case-listed" for m in mailbox(platform, reference)), 60,
                 "the family told")
        wait_for(lambda: admin.get("/api/v1/reports/front-door").json()["family_first_told"]["reached"]
                 > before.json()["family_first_told"]["reached"], 30, "the family's message counted")
        after = admin.get("/api/v1/reports/front-door").json()
        page = admin.get("/reports/front-door")

    assert after["received"] == before.json()["received"] + 1
    assert after["by_channel"]["api"] == before.json()["by_channel"].get("api", 0) + 1
    assert after["where_now"]["listed-for-panel"] == before.json()["where_now"].get("listed-for-panel", 0) + 1
    assert after["first_decision"]["within"] == after["first_decision"]["reached"]  # triage decides at once
    assert page.status_code == 200
    assert "How the front door is doing" in page.text
    assert "Concerns received" in page.text
    assert "Reported" not in page.text  # counts only: no child named
    assert reference not in page.text  # not on the statutory pathway: not listed
    assert "The teams' answers" in page.text
    for team in after["teams"]:  # each pathway team the period's concerns were sent to, answered or not
        assert team["sent"] == team["answered"] + team["waiting"] >= 1
        assert team["waiting_past_date"] <= team["waiting"]
    assert {("council-admin", "api"), ("council-admin", "web")} <= _report_reads(platform)  # every read audited


def test_anyone_else_is_refused_and_a_bad_period_names_the_field(platform) -> None:  # type: ignore[no-untyped-def]
    with _signed_in(platform, "health-visitor") as visitor:
        assert visitor.get("/api/v1/reports/front-door").status_code == 403
        assert visitor.get("/reports/front-door").status_code == 403
    assert httpx.get(f"http://127.0.0.1:{platform.ports['intake']}/api/v1/reports/front-door").status_code == 401
    with _signed_in(platform, "council-admin") as admin:
        backwards = admin.get("/api/v1/reports/front-door", params={"from": "2026-12-01", "to": "2026-11-01"})
        not_a_date = admin.get("/api/v1/reports/front-door", params={"from": "yesterday"})
        edge_of_time = admin.get("/api/v1/reports/front-door", params={"from": "9999-12-30", "to": "9999-12-31"})
        page = admin.get("/reports/front-door", params={"from-day": "31", "from-month": "2", "from-year": "2026"})
    assert backwards.status_code == 422
    assert backwards.json()["errors"] == [{"field": "from",
                                           "reason": "the period must start on or before its last day"}]
    assert not_a_date.status_code == 422
    assert edge_of_time.status_code == 422  # not a 500 from the date arithmetic
    assert edge_of_time.json()["errors"][0]["field"] == "to"
    assert page.status_code == 422
    assert "Enter a real date for &#39;From&#39;" in page.text
