"""How the case page's read of the referrer's evidence turns intake's answers into what the page
shows: never a failed page, always a reason (httpx's mock transport stands in for intake; the
real exchange is tests/e2e/test_panel_evidence.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from early_years.adapters.intake_evidence import NOT_SHARED, UNREACHABLE, IntakeEvidence

FOUND = {"reference": "FD-CCCC-DDDD", "submitted_at": "2026-03-09T10:15:00+00:00", "description": "Few words.",
         "same_child": [{"reference": "FD-AAAA-BBBB", "status": "routed", "submitted_at": "2026-03-02T09:00:00+00:00"}]}


def _reader(answer: Any, seen: list[httpx.Request] | None = None) -> IntakeEvidence:
    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[no-any-return]

    return IntakeEvidence("http://intake.test/api/v1/", transport=httpx.MockTransport(handle))


async def test_the_members_session_and_the_purpose_go_with_the_read_and_dates_come_back_as_dates() -> None:
    seen: list[httpx.Request] = []
    evidence = await _reader(httpx.Response(200, json=FOUND), seen).for_case("FD-CCCC-DDDD", "member-token")
    [request] = seen
    assert str(request.url) == "http://intake.test/api/v1/concerns/FD-CCCC-DDDD/panel-evidence"
    assert (request.headers["authorization"], request.headers["x-purpose"]) == ("Bearer member-token", "panel")
    assert evidence.problem is None
    assert evidence.found is not None
    assert evidence.found["submitted_on"] == date(2026, 3, 9)
    assert evidence.found["same_child"][0]["submitted_on"] == date(2026, 3, 2)


@pytest.mark.parametrize(("answer", "problem"), [
    (httpx.Response(404, json={"detail": "not found"}), NOT_SHARED),
    (httpx.Response(401, json={"detail": "sign in"}), NOT_SHARED),
    (httpx.Response(503, json={"detail": "database unavailable"}), UNREACHABLE),
    (httpx.Response(200, text="<html>a proxy's error page</html>"), UNREACHABLE),
    (httpx.Response(200, json={"submitted_at": "yesterday"}), UNREACHABLE),
    (httpx.ConnectError("refused"), UNREACHABLE),
    (httpx.ReadTimeout("slow"), UNREACHABLE),
], ids=["not-found", "not-signed-in", "unavailable", "not-json", "bad-date", "refused", "timeout"])
async def test_anything_but_intakes_evidence_is_shown_as_why_it_is_missing(answer: Any, problem: str) -> None:
    evidence = await _reader(answer).for_case("FD-CCCC-DDDD", "member-token")
    assert (evidence.found, evidence.problem) == (None, problem)


async def test_signing_out_asks_intake_to_end_the_session_with_its_own_token() -> None:
    seen: list[httpx.Request] = []
    assert await _reader(httpx.Response(204), seen).end_session("member-token") is True
    [request] = seen
    assert (request.method, str(request.url)) == ("DELETE", "http://intake.test/api/v1/session")
    assert request.headers["authorization"] == "Bearer member-token"


@pytest.mark.parametrize(("answer", "ended"), [
    (httpx.Response(401), True),  # ended or run out already: nothing left to end
    (httpx.Response(503), False),
    (httpx.ConnectError("refused"), False),
])
async def test_whether_intake_ended_the_session_is_told_truly(answer: Any, ended: bool) -> None:
    assert await _reader(answer).end_session("member-token") is ended
