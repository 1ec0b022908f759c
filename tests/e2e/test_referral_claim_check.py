"""A routed referral's details are fetched by the partner of its pathway, with its credentials."""

from __future__ import annotations

import httpx
import pytest

from tests.support import a_concern, auth, post_concern, status_of, wait_for

pytestmark = pytest.mark.e2e


def _token(platform, scope: str) -> str:  # type: ignore[no-untyped-def]
    creds = platform.seed_demo()["partner_client"]
    r = httpx.post(f"http://127.0.0.1:{platform.ports['intake']}/oauth/token",
                   data={"grant_type": "client_credentials", "scope": scope},
                   auth=(creds["client_id"], creds["client_secret"]))
    r.raise_for_status()
    return r.json()["access_token"]  # type: ignore[no-any-return]


def test_the_slcn_partner_fetches_the_details_of_a_referral_routed_to_slcn(platform) -> None:  # type: ignore[no-untyped-def]
    reference = post_concern(platform, a_concern(age_months=80, given_name="Claimcheck")).json()["reference"]
    wait_for(lambda: status_of(platform, reference)["status"] == "routed", 60, "routed")
    routed = next(h for h in status_of(platform, reference)["history"] if h["status"] == "routed")
    assert routed["detail"]["pathway"] == "slcn"
    url = f"http://127.0.0.1:{platform.ports['intake']}/api/v1/referrals/{reference}"

    details = httpx.get(url, headers={"Authorization": f"Bearer {_token(platform, 'referrals:slcn:read')}"})
    assert details.status_code == 200
    assert details.json()["child"]["given_name"] == "Claimcheck"
    assert details.json()["pathway"] == "slcn"

    without_scope = httpx.get(url, headers={"Authorization": f"Bearer {_token(platform, 'concerns:read')}"})
    assert without_scope.status_code == 404
    assert httpx.get(url).status_code == 401
    assert auth(platform)  # the submitting client itself reads status, not referrals, without the scope


def test_the_slcn_team_says_how_the_referral_is_going_and_the_family_hears_each_step(platform) -> None:  # type: ignore[no-untyped-def]
    """The loop closed: the team the child was routed to accepts the referral, books the first
    appointment, moves it, and the family, the referrer and the family's status page hear each step;
    the same report twice changes nothing; no one else may report; a decline goes back to staff."""
    import re
    from datetime import date, timedelta

    from notifications.domain.journey import long_date
    from tests.support import mailbox

    reference = post_concern(platform, a_concern(age_months=80, given_name="Progresschild")).json()["reference"]
    wait_for(lambda: status_of(platform, reference)["status"] == "routed", 60, "routed")
    url = f"http://127.0.0.1:{platform.ports['intake']}/api/v1/referrals/{reference}/progress"
    team = {"Authorization": f"Bearer {_token(platform, 'referrals:slcn:read referrals:slcn:update')}"}
    contact_by, first, moved = (date.today() + timedelta(days=d) for d in (10, 20, 27))

    reader = {"Authorization": f"Bearer {_token(platform, 'referrals:slcn:read')}"}
    assert httpx.post(url, json={"stage": "accepted"}, headers=reader).status_code == 404  # may read, not report
    assert httpx.post(url, json={"stage": "accepted"}).status_code == 401
    missing = httpx.post(url, json={"stage": "declined"}, headers=team)
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["reason"]
    past = httpx.post(url, json={"stage": "appointment-booked", "appointment_on": "2020-01-06"}, headers=team)
    assert past.status_code == 422
    assert past.json()["errors"][0]["field"] == "appointment_on"

    accepted = httpx.post(url, json={"stage": "accepted", "contact_by": contact_by.isoformat()}, headers=team)
    assert (accepted.status_code, accepted.json()["status"]) == (202, "referral-accepted")
    again = httpx.post(url, json={"stage": "accepted", "contact_by": contact_by.isoformat()}, headers=team)
    assert (again.status_code, again.json()["recorded"]) == (200, False)
    for day in (first, moved):  # booked, then moved: each is news to the family
        booked = httpx.post(url, json={"stage": "appointment-booked", "appointment_on": day.isoformat()}, headers=team)
        assert booked.status_code == 202

    def sent(template: str) -> list[dict]:  # type: ignore[type-arg]
        return [m for m in mailbox(platform, reference) if m["template"] == template]

    wait_for(lambda: len(sent("family/appointment-booked")) == 2, 60, "the family told of both days")
    [told] = sent("family/referral-accepted")
    assert f"will contact you by {long_date(contact_by)}" in told["body"]
    assert len(sent("referrer/referral-accepted")) == 1
    assert sorted(long_date(d) in m["body"] for m in sent("family/appointment-booked") for d in (first, moved)) == [
        False, False, True, True]
    history = [h["status"] for h in status_of(platform, reference)["history"]]
    assert [s for s in history if s in ("referral-accepted", "appointment-booked")] == [
        "referral-accepted", "appointment-booked", "appointment-booked"]
    assert status_of(platform, reference)["status"] == "appointment-booked"

    [link] = sent("family/concern-submitted")
    token = re.search(r"/status/([A-Za-z0-9_\-]+)", link["body"])
    assert token is not None
    page = httpx.get(f"http://127.0.0.1:{platform.ports['notifications']}/status/{token.group(1)}", timeout=10)
    assert page.status_code == 200
    assert "accepted the referral" in page.text
    assert long_date(moved) in page.text

    declined = httpx.post(url, json={"stage": "declined", "reason": "already-known"}, headers=team)
    assert (declined.status_code, declined.json()["status"]) == (202, "referral-declined")
    wait_for(lambda: len(sent("staff/referral-declined")) == len(sent("family/referral-declined")) == 1, 60,
             "staff asked to look again, and the family told")
    [letter] = sent("family/referral-declined")
    assert "because the team is already working with the child" in letter["body"]

    # the partner that raised the concern (the demo partner, by the API) heard each answer too
    from tests.e2e.test_partner_events import _heard

    def heard() -> list[str]:
        return [e["status"] for e in _heard(platform) if e["reference"] == reference]

    wait_for(lambda: "referral-declined" in heard(), 30, "the submitting partner hears the team's answers")
    assert heard()[-4:] == ["referral-accepted", "appointment-booked", "appointment-booked", "referral-declined"]


def test_the_council_records_the_answer_of_a_team_without_a_system(platform) -> None:  # type: ignore[no-untyped-def]
    """A team told the SEND team by phone: the council's administrator records it on the concern's
    page, and the family hears it as from a team's own system; a referrer has no such page."""
    import uuid
    from datetime import date, timedelta

    from frontdoor_shared.auth import AuthSettings, Principal, Tokens
    from notifications.domain.journey import long_date
    from tests.support import mailbox

    reference = post_concern(platform, a_concern(age_months=80, given_name="Phonedin")).json()["reference"]
    wait_for(lambda: status_of(platform, reference)["status"] == "routed", 60, "routed")
    csrf = uuid.uuid4().hex

    def browser(who: Principal) -> httpx.Client:
        return httpx.Client(base_url=f"http://127.0.0.1:{platform.ports['intake']}", timeout=15,
                            cookies={"fd_csrf": csrf, "fd_session": Tokens(AuthSettings()).issue(who)})

    admin = Principal("council-admin", "staff", "council-admin", name="Admin")
    with browser(admin) as council:
        page = council.get(f"/concerns/{reference}")
        assert page.status_code == 200
        assert f'href="/concerns/{reference}/team-answer"' in page.text
        assert council.get(f"/concerns/{reference}/team-answer").status_code == 200
        nothing = council.post(f"/concerns/{reference}/team-answer", data={"csrf_token": csrf})
        assert nothing.status_code == 422
        assert "Select what the team said" in nothing.text
        no_day = council.post(f"/concerns/{reference}/team-answer",
                              data={"csrf_token": csrf, "stage": "appointment-booked"})
        assert no_day.status_code == 422
        assert "Enter the day of the first appointment" in no_day.text
        day = date.today() + timedelta(days=14)
        done = council.post(f"/concerns/{reference}/team-answer", data={
            "csrf_token": csrf, "stage": "appointment-booked", "appointment_on-day": str(day.day),
            "appointment_on-month": str(day.month), "appointment_on-year": str(day.year)})
        assert done.status_code == 303, done.text
        assert done.headers["location"] == f"/concerns/{reference}?done=team-answer"
        assert "answer is recorded" in council.get(done.headers["location"]).text

    referrer = Principal("hv-someone", "staff", "referrer", name="Referrer")
    with browser(referrer) as someone:
        assert someone.get(f"/concerns/{reference}/team-answer").status_code == 404
    assert status_of(platform, reference)["status"] == "appointment-booked"
    wait_for(lambda: any(m["template"] == "family/appointment-booked" for m in mailbox(platform, reference)), 60,
             "the family told the day")
    [told] = [m for m in mailbox(platform, reference) if m["template"] == "family/appointment-booked"]
    assert long_date(day) in told["body"]
