"""A team declines a referral the panel made: the child goes back to the panel, the family hears the
date, the panel sends the child to another team, and that team's answer is where things stand.
The four services as processes, through their own doors (the team's API, the panel's forms)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from frontdoor_shared.auth import AuthSettings, Principal, Tokens
from tests.support import a_concern, decide_as_chair, mailbox, post_concern, status_of, wait_for

pytestmark = pytest.mark.e2e


def _team(platform, pathway: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    creds = platform.seed_demo()["partner_client"]
    r = httpx.post(f"http://127.0.0.1:{platform.ports['intake']}/oauth/token",
                   data={"grant_type": "client_credentials", "scope": f"referrals:{pathway}:update"},
                   auth=(creds["client_id"], creds["client_secret"]), timeout=10)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_a_declined_referral_comes_back_to_the_panel_which_sends_the_child_elsewhere(platform) -> None:  # type: ignore[no-untyped-def]
    reference = post_concern(platform, a_concern(given_name="Backtopanel")).json()["reference"]
    wait_for(lambda: status_of(platform, reference)["status"] == "listed-for-panel", 60, "listed for the panel")
    decide_as_chair(platform, reference, "The plan at nursery is helping.")
    wait_for(lambda: status_of(platform, reference)["status"] == "panel-decided", 60, "the panel's decision")
    first = next(h for h in status_of(platform, reference)["history"] if h["status"] == "panel-decided")
    chosen = first["detail"]["pathway"]
    progress = f"http://127.0.0.1:{platform.ports['intake']}/api/v1/referrals/{reference}/progress"

    declined = httpx.post(progress, json={"stage": "declined", "reason": "another-service-better-placed"},
                          headers=_team(platform, chosen), timeout=10)
    assert declined.status_code == 202, declined.text

    def sent(template: str) -> list[dict]:  # type: ignore[type-arg]
        return [m for m in mailbox(platform, reference) if m["template"] == template]

    wait_for(lambda: len(sent("family/case-listed")) == 2, 60, "the family told the panel will look again, and when")
    wait_for(lambda: status_of(platform, reference)["status"] == "listed-for-panel", 30,
             "back with the panel (after the decline, not before it)")
    history = [h["status"] for h in status_of(platform, reference)["history"] if not h["status"].endswith("notified")]
    assert history[-2:] == ["referral-declined", "listed-for-panel"]

    elsewhere = "outreach" if chosen != "outreach" else "sen-support"
    decide_as_chair(platform, reference, "The team cannot take the referral; outreach will help.", pathway=elsewhere)
    wait_for(lambda: status_of(platform, reference)["status"] == "panel-decided", 60, "the panel's correction")
    latest = [h for h in status_of(platform, reference)["history"] if h["status"] == "panel-decided"][-1]
    assert latest["detail"]["pathway"] == elsewhere
    wait_for(lambda: len(sent("family/panel-decision")) == 2, 60, "the family told of the new decision")

    refused = httpx.post(progress, json={"stage": "accepted"}, headers=_team(platform, chosen), timeout=10)
    assert refused.status_code == 404  # the team the panel no longer sends the child to
    # the new team has no system: it told the SEND team, whose administrator records its answer
    admin = Principal("council-admin", "staff", "council-admin", name="Admin")
    csrf = uuid.uuid4().hex
    with httpx.Client(base_url=f"http://127.0.0.1:{platform.ports['intake']}", timeout=15,
                      cookies={"fd_csrf": csrf, "fd_session": Tokens(AuthSettings()).issue(admin)}) as council:
        done = council.post(f"/concerns/{reference}/team-answer", data={"csrf_token": csrf, "stage": "accepted"})
    assert done.status_code == 303, done.text
    assert status_of(platform, reference)["status"] == "referral-accepted"  # the new team's answer stands
    accepted = [h for h in status_of(platform, reference)["history"] if h["status"] == "referral-accepted"][-1]
    assert accepted["detail"]["pathway"] == elsewhere
