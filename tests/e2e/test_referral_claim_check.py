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
