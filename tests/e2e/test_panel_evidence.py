"""The panel reads the referrer's evidence from intake, as the member, on the case page: the concern
in the referrer's words, what was tried, screening, other concerns about the same child. Intake
decides who may read it, audits each read, and gives nothing that identifies the child or family."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from frontdoor_cli.ops import audit_history
from frontdoor_shared.auth import AuthSettings, Principal, Tokens
from tests.support import a_concern, auth, post_concern, status_of, wait_for

pytestmark = pytest.mark.e2e
PANEL = "demo-early-years-panel"


def _token(role: str, *, panel: str | None = PANEL, subject: str | None = None) -> str:
    return Tokens(AuthSettings()).issue(Principal(subject or f"evidence-{role}", "staff", role, panel_id=panel,
                                                  name="Evidence Test"))


def _evidence(platform: Any, reference: str, token: str) -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{platform.ports['intake']}/api/v1/concerns/{reference}/panel-evidence",
                     headers={"Authorization": f"Bearer {token}"}, timeout=10)


def _history(platform: Any, reference: str) -> list[str]:
    return [h["status"] for h in status_of(platform, reference)["history"]]


def test_a_panel_member_sees_the_referrers_evidence_on_the_case_page(platform: Any) -> None:
    earlier = post_concern(platform, a_concern(age_months=30, given_name="Evidenceearlier")).json()["reference"]
    reference = post_concern(platform, a_concern(age_months=30, given_name="Evidencechild")).json()["reference"]
    wait_for(lambda: "listed-for-panel" in _history(platform, reference), 90, "listed for the panel")
    member = _token("panel-member", subject="panel-health")
    ey = f"http://127.0.0.1:{platform.ports['early-years']}"
    cases = httpx.get(f"{ey}/api/v1/panel/cases", headers={"Authorization": f"Bearer {member}"}, timeout=10).json()
    [case] = [c for c in cases if c["reference"] == reference]

    page = httpx.get(f"{ey}/panel/cases/{case['case_id']}", cookies={"fd_session": member}, timeout=15)

    assert page.status_code == 200
    assert "Uses very few words at 30 months and is frustrated when not understood." in page.text
    assert "Small group language sessions at nursery, for 12 weeks" in page.text
    assert "WellComm: red (C&amp;I)" in page.text
    assert "Hannah Visitor, health visitor, Model NHS Trust" in page.text
    assert earlier in page.text  # the earlier concern about the same child, a possible duplicate
    for identifying in ("Evidencechild", "Testchild", "999 000 0018", "grace.testparent@example.com", "07700"):
        assert identifying not in page.text
    reads = [r for r in asyncio.run(audit_history(platform.database_url, reference))
             if r["action"] == "read-panel-evidence"]
    assert [(r["actor"], r["why"], r["channel"]) for r in reads] == [("panel-health", "panel", "api")]


def test_only_the_panel_reads_evidence_and_only_of_a_concern_sent_to_it(platform: Any) -> None:
    listed = post_concern(platform, a_concern(age_months=30)).json()["reference"]
    routed = post_concern(platform, a_concern(age_months=80)).json()["reference"]
    wait_for(lambda: "listed-for-panel" in _history(platform, listed), 90, "listed for the panel")
    wait_for(lambda: "routed" in _history(platform, routed), 90, "routed")
    member = _token("panel-member")

    found = _evidence(platform, listed, member)
    assert found.status_code == 200, found.text
    assert set(found.json()) == {"reference", "submitted_at", "referrer", "description", "need_codes", "ranges",
                                 "tried", "screening", "urgency", "parent_informed", "same_child"}
    assert found.json()["tried"] == [{"what": "Small group language sessions at nursery", "weeks": 12}]
    assert _evidence(platform, routed, member).status_code == 404  # never sent to the panel
    assert _evidence(platform, listed, _token("referrer", panel=None)).status_code == 404
    assert _evidence(platform, listed, _token("panel-member", panel=None)).status_code == 404  # on no panel
    assert _evidence(platform, listed, auth(platform)["Authorization"][7:]).status_code == 404  # a partner
    assert _evidence(platform, listed, "not-a-token").status_code == 401
