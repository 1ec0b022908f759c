"""A concern's present status only moves forward, whatever order its events arrive in."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from intake.domain.model import Status, StatusChange, advances, sent_to_panel


@pytest.mark.parametrize(("current", "new", "moves"), [
    (Status.SUBMITTED, Status.TRIAGED, True),
    (Status.TRIAGED, Status.LISTED_FOR_PANEL, True),
    (Status.LISTED_FOR_PANEL, Status.TRIAGED, False),  # the case was listed before triage's event arrived
    (Status.LISTED_FOR_PANEL, Status.PANEL_DECIDED, True),
    (Status.PANEL_DECIDED, Status.LISTED_FOR_PANEL, False),
    (Status.ROUTED, Status.TRIAGED, False),
])
def test_the_present_status_never_moves_backwards(current: str, new: str, moves: bool) -> None:
    assert advances(current, new) is moves


def _line(status: str, **detail: str) -> StatusChange:
    return StatusChange(status, datetime(2026, 3, 2, tzinfo=UTC), dict(detail), "test")


@pytest.mark.parametrize(("history", "sent"), [
    ([_line(Status.SUBMITTED)], False),
    ([_line(Status.SUBMITTED), _line(Status.TRIAGED, outcome="panel")], True),  # before the panel listed it
    ([_line(Status.SUBMITTED), _line(Status.LISTED_FOR_PANEL)], True),  # listed before triage's event came
    ([_line(Status.PANEL_DECIDED, pathway="outreach")], True),
    ([_line(Status.SUBMITTED), _line(Status.ROUTED, pathway="slcn")], False),
    ([_line(Status.MORE_INFORMATION_NEEDED, outcome="more-information-needed")], False),
    ([_line(Status.SAFEGUARDING, outcome="safeguarding")], False),
])
def test_only_a_concern_triage_sent_to_the_panel_is_the_panels_to_read(history: list[StatusChange],
                                                                      sent: bool) -> None:
    assert sent_to_panel(history) is sent
