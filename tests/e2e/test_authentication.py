"""Authentication from day one: no credentials, no concern; nobody reads another's concern."""

from __future__ import annotations

import httpx
import pytest

from tests.support import a_concern, post_concern

pytestmark = pytest.mark.e2e


def _url(platform, path: str) -> str:  # type: ignore[no-untyped-def]
    return f"http://127.0.0.1:{platform.ports['intake']}{path}"


def test_a_concern_without_credentials_is_refused(platform) -> None:  # type: ignore[no-untyped-def]
    r = httpx.post(_url(platform, "/api/v1/concerns"), json=a_concern())
    assert r.status_code == 401
    assert "Bearer" in r.headers["www-authenticate"]


def test_a_forged_token_is_refused(platform) -> None:  # type: ignore[no-untyped-def]
    r = httpx.post(_url(platform, "/api/v1/concerns"), json=a_concern(),
                   headers={"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad"})
    assert r.status_code == 401


def test_a_partner_secret_that_is_wrong_gets_no_token(platform) -> None:  # type: ignore[no-untyped-def]
    creds = platform.seed_demo()["partner_client"]
    r = httpx.post(_url(platform, "/oauth/token"), data={"grant_type": "client_credentials"},
                   auth=(creds["client_id"], "not-the-secret"))
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_client"


def test_the_demo_credentials_file_is_private(platform) -> None:  # type: ignore[no-untyped-def]
    platform.seed_demo()
    assert platform.credentials_file.stat().st_mode & 0o777 == 0o600


def test_a_referrer_cannot_read_a_concern_someone_else_submitted(platform) -> None:  # type: ignore[no-untyped-def]
    reference = post_concern(platform, a_concern()).json()["reference"]
    user = platform.seed_demo()["users"]["health-visitor"]
    with httpx.Client(base_url=_url(platform, ""), follow_redirects=False) as browser:
        page = browser.get("/sign-in")
        assert page.status_code == 200
        csrf = browser.cookies["fd_csrf"]
        signed_in = browser.post("/sign-in", data={"email": user["email"], "password": user["password"],
                                                   "csrf_token": csrf, "next": "/concerns"})
        assert signed_in.status_code == 303
        assert browser.get(f"/api/v1/concerns/{reference}").status_code == 404


def test_sign_in_without_the_form_token_is_refused(platform) -> None:  # type: ignore[no-untyped-def]
    user = platform.seed_demo()["users"]["health-visitor"]
    r = httpx.post(_url(platform, "/sign-in"), data={"email": user["email"], "password": user["password"]})
    assert r.status_code == 403


def test_pages_carry_a_strict_content_security_policy(platform) -> None:  # type: ignore[no-untyped-def]
    r = httpx.get(_url(platform, "/sign-in"))
    csp = r.headers["content-security-policy"]
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp


def _signed_in_at_intake(platform, who: str) -> str:  # type: ignore[no-untyped-def]
    """Sign in on intake's form, as a browser does; the session's token (its cookie)."""
    user = platform.seed_demo()["users"][who]
    with httpx.Client(base_url=_url(platform, ""), follow_redirects=False) as browser:
        browser.get("/sign-in")
        signed_in = browser.post("/sign-in", data={"email": user["email"], "password": user["password"],
                                                   "csrf_token": browser.cookies["fd_csrf"], "next": "/concerns"})
        assert signed_in.status_code == 303
        return str(browser.cookies["fd_session"])


def _opens(platform, token: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """What each service answers this session: intake's and the panel's pages, notifications' API
    (a link that does not exist: 404 to an open session, 401 to an ended one)."""
    ey, notifications = (f"http://127.0.0.1:{platform.ports[s]}" for s in ("early-years", "notifications"))
    return {
        "intake": httpx.get(_url(platform, "/api/v1/concerns"), headers={"Authorization": f"Bearer {token}"},
                            timeout=15).status_code,
        "early-years": httpx.get(f"{ey}/panel", cookies={"fd_session": token}, timeout=15).status_code,
        "notifications": httpx.post(f"{notifications}/api/v1/status-links/no-such-link/revoke",
                                    headers={"Authorization": f"Bearer {token}"}, timeout=15).status_code,
    }


def test_signing_out_anywhere_ends_the_session_on_every_service(platform) -> None:  # type: ignore[no-untyped-def]
    """Signed out on the panel's pages: intake refuses the session at once (the panel asked it to
    end it) and notifications within seconds; signed out on intake: the panel's pages within
    seconds. A copy of the cookie opens nothing after (intake.access-revoked.v1)."""
    from tests.support import wait_for

    chair = _signed_in_at_intake(platform, "panel-chair")
    admin = _signed_in_at_intake(platform, "council-admin")
    assert _opens(platform, chair)["early-years"] == 200
    assert _opens(platform, admin)["notifications"] == 404
    ey = f"http://127.0.0.1:{platform.ports['early-years']}"
    out = httpx.post(f"{ey}/sign-out", data={"csrf_token": "form-token-0123456789abcdef"},
                     cookies={"fd_session": chair, "fd_csrf": "form-token-0123456789abcdef"}, timeout=15)
    assert out.headers["location"] == "/signed-out"  # ended everywhere, not only here
    page = httpx.get(f"{ey}/signed-out", timeout=15)
    link = f"http://127.0.0.1:{platform.ports['intake']}/sign-out/provider"
    assert f'href="{link}"' in page.text  # and at the council's provider, for whoever signed in there
    assert httpx.get(link, cookies={"fd_session": chair}, timeout=15).headers["location"] == "/sign-in"
    assert _opens(platform, chair)["intake"] == 401
    wait_for(lambda: _opens(platform, chair) == {"intake": 401, "early-years": 303, "notifications": 401}, 60,
             "every service to refuse the panel chair's ended session")

    with httpx.Client(base_url=_url(platform, ""), cookies={"fd_session": admin}, follow_redirects=False) as browser:
        browser.get("/sign-in")
        assert browser.post("/sign-out", data={"csrf_token": browser.cookies["fd_csrf"]}).status_code == 303
    wait_for(lambda: _opens(platform, admin)["notifications"] == 401, 60, "notifications to refuse it")
    assert _opens(platform, _signed_in_at_intake(platform, "council-admin"))["notifications"] == 404
