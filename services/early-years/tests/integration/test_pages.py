"""Who sees what: sign-in first, own panel only, the chair alone decides and changes the agenda."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from early_years.adapters import orm
from frontdoor_shared.auth import Principal
from frontdoor_shared.contracts import CaseListedV1

pytestmark = pytest.mark.integration
CSRF = "integration-csrf-token"


async def test_without_a_session_the_panel_sends_you_to_sign_in_and_back(world: Any) -> None:
    async with world.browser(None) as anonymous:
        agenda = await anonymous.get("/panel")
        case = await anonymous.get("/panel/cases/00000000-0000-0000-0000-000000000000?x=1")
    assert agenda.status_code == 303
    assert agenda.headers["location"] == "http://intake.test/sign-in?next=" + quote("http://panel.test/panel", safe="")
    assert case.headers["location"].endswith(quote("http://panel.test/panel/cases/00000000-0000-0000-0000-"
                                                   "000000000000?x=1", safe=""))


async def test_a_form_posted_after_the_session_ended_offers_a_link_to_sign_in(world: Any) -> None:
    async with world.browser(None) as anonymous:
        refused = await anonymous.post("/panel/attendance", data={"csrf_token": CSRF})
    assert refused.status_code == 401
    assert "nothing was saved" in refused.text
    assert "http://intake.test/sign-in?next=" + quote("http://panel.test/panel", safe="") in refused.text


async def test_signing_out_ends_the_session_here_even_when_intake_cannot_end_it_everywhere(
        world: Any, people: Any) -> None:
    # no intake answers here (the end-to-end tests have one): the session ends on the panel's pages,
    # a copy of the cookie included, and the page says what could not be done
    async with world.browser(people["member"]) as member:  # its cookie header stays: a copy of the cookie
        assert (await member.get("/panel")).status_code == 200
        out = await member.post("/sign-out", data={"csrf_token": CSRF})
        page = await member.get(out.headers["location"])
        copied = await member.get("/panel")
    assert out.status_code == 303
    assert 'fd_session=""' in out.headers["set-cookie"]
    assert "You have signed out of the panel" in page.text
    assert "could not end your session on its other services" in page.text
    assert copied.status_code == 303
    assert "sign-in" in copied.headers["location"]


async def test_the_json_api_needs_a_panel_members_credentials(world: Any, concern: Any, people: Any) -> None:
    [case] = await world.listed(concern())
    async with world.browser(None) as anonymous:
        assert (await anonymous.get("/api/v1/panel/cases")).status_code == 401
    async with world.browser(Principal(subject="hv", kind="staff", role="referrer")) as referrer:
        assert (await referrer.get("/api/v1/panel/cases")).status_code == 403
    async with world.browser(people["member"]) as member:
        listed = (await member.get("/api/v1/panel/cases")).json()
    async with world.browser(people["stranger"]) as stranger:
        theirs = (await stranger.get("/api/v1/panel/cases")).json()
    [mine] = [c for c in listed if c["case_id"] == str(case.id)]
    assert set(mine) == {"case_id", "reference", "priority", "listed_at", "age_in_months", "recommended_pathway"}
    assert (mine["age_in_months"], mine["recommended_pathway"]) == (30, "slcn")
    assert theirs == []


async def test_a_member_of_another_panel_finds_no_such_case(world: Any, concern: Any, people: Any) -> None:
    [case] = await world.listed(concern())
    async with world.browser(people["stranger"]) as stranger:
        assert (await stranger.get(f"/panel/cases/{case.id}")).status_code == 404
        assert (await stranger.get(f"/panel/cases/{case.id}/decision")).status_code == 404
        assert (await stranger.get("/panel")).status_code == 403


async def test_the_case_page_says_when_intake_cannot_give_the_referrers_evidence(world: Any, concern: Any,
                                                                               people: Any) -> None:
    """The evidence lives at intake (unreachable in these tests): the page still shows the case and
    says plainly that the evidence is missing, and why, rather than failing or showing nothing."""
    [case] = await world.listed(concern())
    async with world.browser(people["member"]) as member:
        page = await member.get(f"/panel/cases/{case.id}")
    assert page.status_code == 200
    assert "Communication and interaction at range 3." in page.text
    assert "Intake could not be reached, so the referrer&#39;s evidence is not shown." in page.text


async def test_a_member_reads_the_case_but_only_the_chair_decides(world: Any, concern: Any, people: Any) -> None:
    [case] = await world.listed(concern())
    async with world.browser(people["member"]) as member:
        page = await member.get(f"/panel/cases/{case.id}")
        form = await member.get(f"/panel/cases/{case.id}/decision")
        posted = await member.post(f"/panel/cases/{case.id}/decision", data={"csrf_token": CSRF})
        agenda = await member.get("/panel")
    assert page.status_code == 200
    assert "Communication and interaction at range 3." in page.text
    assert (form.status_code, posted.status_code) == (403, 403)
    assert "Only the chair can do this" in form.text
    assert agenda.status_code == 200
    assert f"/panel/cases/{case.id}/defer" not in agenda.text


async def test_a_form_without_its_token_is_refused(world: Any, concern: Any, people: Any) -> None:
    [case] = await world.listed(concern())
    async with world.browser(people["chair"]) as chair:
        refused = await chair.post(f"/panel/cases/{case.id}/defer", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    assert "The form has expired" in refused.text


async def _positions(world: Any, meeting_id: Any) -> list[Any]:
    items = orm.agenda_item
    rows = await world.rows(sa.select(items.c.case_id).where(items.c.meeting_id == meeting_id,
                                                             items.c.deferred.is_(False)).order_by(items.c.position))
    return [r.case_id for r in rows]


async def test_the_chair_reorders_defers_and_adds_cases(world: Any, concern: Any, people: Any) -> None:
    first, second = await world.listed(concern(priority="urgent"), concern(priority="urgent"))
    [item] = await world.rows(sa.select(orm.agenda_item).where(orm.agenda_item.c.case_id == second.id))
    meeting = item.meeting_id
    before = await _positions(world, meeting)
    lower = max(first, second, key=lambda c: before.index(c.id))  # the two may be listed in either order
    async with world.browser(people["chair"]) as chair:
        moved = await chair.post(f"/panel/cases/{lower.id}/reorder", data={"csrf_token": CSRF, "direction": "up"})
        after_move = await _positions(world, meeting)
        deferred = await chair.post(f"/panel/cases/{first.id}/defer", data={"csrf_token": CSRF})
        agenda = await chair.get("/panel")
        added = await chair.post(f"/panel/cases/{first.id}/add", data={"csrf_token": CSRF})
    assert (moved.status_code, deferred.status_code, added.status_code) == (303, 303, 303)
    assert after_move.index(lower.id) == before.index(lower.id) - 1
    assert "Other cases waiting for the panel" in agenda.text

    later = [json.loads(r.payload)["data"] for r in await world.outbox(str(first.concern_id), CaseListedV1.TYPE)]
    today = world.svc.panel.today(world.clock())
    assert [e["panel_date"] for e in later] == [today.isoformat(), (today + timedelta(days=14)).isoformat(),
                                                today.isoformat()]
    assert first.id in await _positions(world, meeting)
