"""The family's private status page shows their own child and no other; staff can withdraw it; it
expires. Safeguarding reaches a human at once. A family still waiting hears where things are,
once per idle period, on an injected clock."""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from frontdoor_shared.auth import AuthSettings, Principal, Tokens
from notifications.adapters import orm
from notifications.testing import events, new_concern, people

pytestmark = pytest.mark.integration
LINK = re.compile(r"/status/([A-Za-z0-9_-]{40,})")
concerns: dict[str, tuple[Any, str]] = {}  # child's name -> (concern id, reference), shared by the tests below


def _sent(rows: list[Any], template: str) -> list[Any]:
    return [r for r in rows if r.template == template and r.status in ("sent", "delivered")]


async def _token(world, wait, child: str) -> str:  # type: ignore[no-untyped-def]
    reference = concerns[child][1]

    async def told() -> bool:
        return bool(_sent(await world.messages(reference), "family/concern-submitted"))

    await wait(told, f"{child}'s first message")
    (row,) = _sent(await world.messages(reference), "family/concern-submitted")
    (request,) = world.fake.sent_to(str(row.id))
    match = LINK.search(request.body["personalisation"]["body"])
    assert match, "the family's first message carries their private link"
    return match.group(1)


def _admin(role: str = "council-admin") -> dict[str, str]:
    token = Tokens(AuthSettings()).issue(Principal(subject=f"{role}-1", kind="staff", role=role))
    return {"Authorization": f"Bearer {token}"}


async def test_one_familys_link_shows_their_child_and_never_another(world, wait) -> None:  # type: ignore[no-untyped-def]
    for child in ("Amara", "Zara"):
        concerns[child] = new_concern()
        await world.publish(events(*concerns[child], people(child))["submitted"])
    await world.publish(events(*concerns["Amara"])["triaged-panel"])
    tokens = {child: await _token(world, wait, child) for child in ("Amara", "Zara")}

    async def amara_triaged() -> bool:
        return len(await world.journey(concerns["Amara"][1])) == 2

    await wait(amara_triaged, "Amara's triage on her journey")
    async with world.http() as http:
        pages = {child: await http.get(f"/status/{token}") for child, token in tokens.items()}
    for child, other in (("Amara", "Zara"), ("Zara", "Amara")):
        page = pages[child]
        assert page.status_code == 200
        assert f"Support for {child}" in page.text
        assert concerns[child][1] in page.text
        assert other not in page.text
        assert concerns[other][1] not in page.text
        assert page.headers["x-robots-tag"] == "noindex, nofollow"
        assert page.headers["referrer-policy"] == "no-referrer"
        assert "no-store" in page.headers["cache-control"]
    assert "early years inclusion panel should look" in pages["Amara"].text
    assert "early years inclusion panel should look" not in pages["Zara"].text
    assert "Your rights" not in pages["Amara"].text  # nothing decided yet: no rights about a decision

    await world.publish(events(*concerns["Amara"])["decided"])

    async def amara_decided() -> bool:
        return len(await world.journey(concerns["Amara"][1])) == 3

    await wait(amara_decided, "the panel's decision on Amara's journey")
    async with world.http() as http:
        decided = await http.get(f"/status/{tokens['Amara']}")
    assert "Your rights" in decided.text
    assert "If you disagree with a decision, contact us" in decided.text
    assert "SENDIASS" in decided.text  # the council's advice service, by name
    assert 'class="govuk-summary-list' in pages["Amara"].text


async def test_the_database_keeps_only_a_hash_of_the_link(world, wait) -> None:  # type: ignore[no-untyped-def]
    token = await _token(world, wait, "Amara")
    async with world.svc.runtime.engine.connect() as conn:
        hashes = (await conn.execute(sa.select(orm.status_link.c.token_hash).where(
            orm.status_link.c.concern_id == concerns["Amara"][0]))).scalars().all()
    assert hashes == [hashlib.sha256(token.encode()).hexdigest()]


async def test_an_unknown_or_altered_link_shows_nothing(world, wait) -> None:  # type: ignore[no-untyped-def]
    token = await _token(world, wait, "Amara")
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    async with world.http() as http:
        answers = [await http.get(f"/status/{t}") for t in (secrets.token_urlsafe(32), altered, "short", "x" * 300)]
    assert [a.status_code for a in answers] == [404, 404, 404, 404]
    assert all("FD-" not in a.text and "Amara" not in a.text for a in answers)


async def test_council_staff_can_withdraw_a_link_and_no_one_else_can(world, wait) -> None:  # type: ignore[no-untyped-def]
    token = await _token(world, wait, "Zara")
    async with world.http() as http:
        anonymous = await http.post(f"/api/v1/status-links/{token}/revoke")
        referrer = await http.post(f"/api/v1/status-links/{token}/revoke", headers=_admin("referrer"))
        admin = await http.post(f"/api/v1/status-links/{token}/revoke", headers=_admin())
        again = await http.post(f"/api/v1/status-links/{token}/revoke", headers=_admin())
        page = await http.get(f"/status/{token}")
    assert (anonymous.status_code, referrer.status_code, admin.status_code, again.status_code) == (401, 403, 204, 404)
    assert page.status_code == 404


async def test_a_safeguarding_escalation_reaches_the_safeguarding_team_without_waiting(world, wait) -> None:  # type: ignore[no-untyped-def]
    concern_id, reference = new_concern()
    story = events(concern_id, reference)
    await world.publish(story["escalated"])  # before intake's event with the family's contact details
    await world.publish(story["triaged-safeguarding"])

    async def escalated() -> bool:
        return bool(_sent(await world.messages(reference), "staff/safeguarding-escalated"))

    await wait(escalated, "the safeguarding team told at once, before the family's details arrive")
    (staff,) = await world.messages(reference)
    assert staff.to_address == f"email:{world.svc.settings.safeguarding_email}"
    assert story["escalated"].details_url in staff.body
    await world.publish(story["submitted"])

    async def receipts_sent() -> bool:
        return bool(_sent(await world.messages(reference), "referrer/concern-submitted"))

    await wait(receipts_sent, "the held events handled once the details came")
    rows = await world.messages(reference)
    assert sorted(r.template for r in rows) == [  # no automatic safeguarding message to the family
        "family/concern-submitted", "referrer/concern-submitted", "staff/safeguarding-escalated"]


async def test_news_held_too_long_for_contact_details_is_raised_to_staff(world, wait) -> None:  # type: ignore[no-untyped-def]
    concern_id, reference = new_concern()
    await world.publish(events(concern_id, reference)["triaged-panel"])  # intake's event never comes

    async def held() -> bool:
        return bool(await world.journey(reference))

    await wait(held, "the triage held for contact details")
    await asyncio.sleep(1)
    assert await world.messages(reference) == []
    world.clock.offset = timedelta(hours=2)

    async def raised() -> bool:
        return bool(_sent(await world.messages(reference), "staff/details-missing"))

    await wait(raised, "staff told that the family cannot be reached")
    (staff,) = await world.messages(reference)
    assert staff.to_address == f"email:{world.svc.settings.staff_email}"


async def test_a_family_still_waiting_hears_once_per_idle_period(world, wait) -> None:  # type: ignore[no-untyped-def]
    concern_id, reference = new_concern()
    story = events(concern_id, reference)
    await world.publish(story["submitted"])

    async def reminded(count: int) -> bool:
        rows = await world.messages(reference)
        return len(_sent(rows, "family/still-waiting")) == count and len(_sent(rows, "referrer/still-waiting")) == count

    async def submitted_sent() -> bool:
        return bool(_sent(await world.messages(reference), "family/concern-submitted"))

    await wait(submitted_sent, "the first message")
    await asyncio.sleep(1)  # several reminder rounds at the real time: nothing is due yet
    assert await reminded(0)
    world.clock.offset = timedelta(days=21)
    await wait(lambda: reminded(1), "the still-waiting messages after 21 days")
    (family,) = _sent(await world.messages(reference), "family/still-waiting")
    assert "We received a concern asking for extra help." in family.body
    assert "We are sorry it is taking longer." in family.body
    await asyncio.sleep(1)
    assert await reminded(1), "once per idle period"

    await world.publish(story["listed"])  # a change of status starts a new idle period

    async def listed_sent() -> bool:
        return bool(_sent(await world.messages(reference), "family/case-listed"))

    await wait(listed_sent, "the case-listed message")
    await asyncio.sleep(1)
    assert await reminded(1)
    world.clock.offset = timedelta(days=43)
    await wait(lambda: reminded(2), "a reminder for the new idle period")


async def test_a_link_stops_working_when_it_expires(world, wait) -> None:  # type: ignore[no-untyped-def]
    token = await _token(world, wait, "Amara")
    async with world.http() as http:
        world.clock.offset = timedelta(days=179)
        before = await http.get(f"/status/{token}")
        world.clock.offset = timedelta(days=181)
        after = await http.get(f"/status/{token}")
    assert (before.status_code, after.status_code) == (200, 404)


async def test_a_withdrawn_concern_is_told_once_shows_no_promise_and_later_news_sends_nothing(world, wait) -> None:  # type: ignore[no-untyped-def]
    concerns["Wren"] = new_concern()
    happened = events(*concerns["Wren"], people("Wren"))
    await world.publish(happened["submitted"])
    token = await _token(world, wait, "Wren")
    await world.publish(happened["withdrawn"])
    reference = concerns["Wren"][1]

    async def told() -> bool:
        return bool(_sent(await world.messages(reference), "family/concern-withdrawn"))

    await wait(told, "the family told the concern was withdrawn")
    late = await world.publish(happened["triaged-panel"])  # news that arrives after: nothing more is said

    async def read() -> bool:
        inbox = world.svc.runtime.tables.inbox
        async with world.svc.runtime.engine.connect() as conn:
            return await conn.scalar(sa.select(inbox.c.event_id).where(inbox.c.event_id == late.id)) is not None

    await wait(read, "the late news read")

    async with world.http() as http:
        page = await http.get(f"/status/{token}")
    assert "withdrew it, because the family has moved out of the council&#39;s area." in page.text
    assert "By when" not in page.text
    templates = sorted(r.template for r in await world.messages(reference))
    assert templates == ["family/concern-submitted", "family/concern-withdrawn", "referrer/concern-submitted"]


async def test_a_team_silent_past_the_familys_date_is_chased_once_and_an_answer_stops_it(world, wait) -> None:  # type: ignore[no-untyped-def]
    """Staff are asked to follow it up and the family told they are, once per routing; a team that
    answered, or a pathway the council does not chase, is left alone."""
    silent, answered, statutory = new_concern(), new_concern(), new_concern()
    for concern in (silent, answered, statutory):
        story = events(*concern)
        await world.publish(story["submitted"])
        if concern is statutory:
            await world.publish(story["triaged-routed"].model_copy(update={
                "pathway": "statutory", "statutory_decision_due": world.clock().date() + timedelta(weeks=6)}))
        else:
            await world.publish(story["triaged-routed"])
    await world.publish(events(*answered)["referral-accepted"].model_copy(update={"contact_by": None}))

    async def chased(concern: tuple[Any, str]) -> list[str]:
        return sorted(r.template for r in _sent(await world.messages(concern[1]), "staff/referral-unanswered")
                      + _sent(await world.messages(concern[1]), "family/team-not-heard"))

    async def routed_told() -> bool:
        return all([_sent(await world.messages(c[1]), "family/concern-triaged-routed") for c in (silent, statutory)]
                   + [_sent(await world.messages(answered[1]), "family/referral-accepted")])

    await wait(routed_told, "the routing told to each family, and the team's acceptance")
    await asyncio.sleep(1)  # several rounds at the real time: the team still has 20 working days
    assert await chased(silent) == []
    concerns["Silent"] = silent
    token = await _token(world, wait, "Silent")
    async with world.http() as http:
        before = (await http.get(f"/status/{token}")).text
    world.clock.offset += timedelta(days=45)  # past the team's 20 working days and the statutory 6 weeks

    async def staff_and_family_told() -> bool:
        return await chased(silent) == ["family/team-not-heard", "staff/referral-unanswered"]

    await wait(staff_and_family_told, "staff and the family told the team has not answered")
    rows = await world.messages(silent[1])
    (staff,) = _sent(rows, "staff/referral-unanswered")
    (family,) = _sent(rows, "family/team-not-heard")
    assert staff.to_address == f"email:{world.svc.settings.staff_email}"
    assert "No answer from the speech, language and communication team" in staff.subject
    assert "Grace" not in staff.body  # staff's mailbox hears the reference, never the family's names
    assert family.to_address == "email:grace.testparent@example.com"
    assert "We have asked our staff to contact the team" in family.body
    await asyncio.sleep(1)
    assert await chased(silent) == ["family/team-not-heard", "staff/referral-unanswered"], "once per routing"
    assert await chased(answered) == []
    assert await chased(statutory) == []  # the council's own legal date, not a team's: not chased by default
    async with world.http() as http:
        after = (await http.get(f"/status/{token}")).text
    following = "We have asked our staff to find out what is happening"
    assert following not in before
    assert following in after  # the family's page says the council, not they, is chasing
