"""Whoever raised a concern withdraws it before the council decides, through the JSON API, on the
whole platform: the status is `withdrawn` for good, the panel takes the case off its agenda and
can record no decision, the family is told why (in the council's words) and nothing more after,
and a concern the council has decided on cannot be withdrawn (409)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tests.support import a_concern, auth, mailbox, post_concern, status_of, wait_for

pytestmark = pytest.mark.e2e


def _withdraw(platform: Any, reference: str, reason: str) -> httpx.Response:
    return httpx.post(f"http://127.0.0.1:{platform.ports['intake']}/api/v1/concerns/{reference}/withdrawal",
                      json={"reason": reason}, headers=auth(platform), timeout=10)


def _case(platform: Any, reference: str) -> tuple[str | None, int]:
    """The panel case's status and how many agenda places it holds."""
    from frontdoor_shared.db import make_engine

    async def read() -> tuple[str | None, int]:
        engine = make_engine(platform.database_url, pool_size=1)
        try:
            async with engine.connect() as conn:
                row = (await conn.execute(sa.text(
                    "SELECT c.status, (SELECT count(*) FROM early_years.agenda_item a WHERE a.case_id = c.id) AS n"
                    " FROM early_years.panel_case c WHERE c.reference = :r"), {"r": reference})).first()
        finally:
            await engine.dispose()
        return (row.status, row.n) if row else (None, 0)

    return asyncio.run(read())


def test_a_listed_concern_is_withdrawn_off_the_agenda_and_the_family_told_why(platform) -> None:  # type: ignore[no-untyped-def]
    body = a_concern(age_months=30, given_name="Withdrawing")
    body["child"]["nhs_number"] = "999 000 0034"
    reference = post_concern(platform, body).json()["reference"]
    wait_for(lambda: status_of(platform, reference)["status"] == "listed-for-panel", 60, "listed for the panel")
    assert _case(platform, reference) == ("listed", 1)

    withdrawn = _withdraw(platform, reference, "moved-away")
    assert withdrawn.status_code == 202, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"

    wait_for(lambda: _case(platform, reference) == ("withdrawn", 0), 60, "the panel takes it off its agenda")

    def family() -> list[dict[str, Any]]:
        return [m for m in mailbox(platform, reference) if m["template"] == "family/concern-withdrawn"]

    wait_for(lambda: len(family()) == 1, 60, "the family told")
    assert "because the family has moved out of the council's area" in family()[0]["body"]
    status = status_of(platform, reference)
    assert status["status"] == "withdrawn"
    [line] = [h for h in status["history"] if h["status"] == "withdrawn"]
    assert line["detail"] == {"reason": "moved-away"}

    again = _withdraw(platform, reference, "raised-in-error")
    assert again.status_code == 409
    assert again.json()["title"] == "The concern could not be withdrawn"


def test_a_routed_concern_cannot_be_withdrawn_and_a_bad_reason_is_named(platform) -> None:  # type: ignore[no-untyped-def]
    body = a_concern(age_months=96, need_codes=("MLD",), given_name="Routedchild")
    body["child"]["nhs_number"] = "999 000 0042"
    body["concern"] |= {"ranges": [{"area": "C&L", "range": 3}], "screening": []}
    reference = post_concern(platform, body).json()["reference"]
    wait_for(lambda: status_of(platform, reference)["status"] not in ("submitted", "triaged"), 60, "triaged")
    assert status_of(platform, reference)["status"] == "routed"  # a school-age child: the policy routes it

    refused = _withdraw(platform, reference, "needs-met")
    assert refused.status_code == 409
    assert "only a concern the council has not yet decided on can be withdrawn" in refused.json()["detail"]
    bad = _withdraw(platform, reference, "changed my mind")
    assert bad.status_code == 422
    assert bad.json()["title"] == "The concern could not be withdrawn"
    assert [e["field"] for e in bad.json()["errors"]] == ["reason"]
