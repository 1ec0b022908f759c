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


DECLINED_AT = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(("new", "at", "moves"), [
    (Status.LISTED_FOR_PANEL, datetime(2026, 3, 10, 14, 5, tzinfo=UTC), True),  # back to the panel after it
    (Status.PANEL_DECIDED, datetime(2026, 3, 18, 11, 0, tzinfo=UTC), True),  # the panel's correction
    (Status.ROUTED, datetime(2026, 3, 11, 9, 0, tzinfo=UTC), True),  # routed again
    (Status.LISTED_FOR_PANEL, datetime(2026, 3, 2, 9, 0, tzinfo=UTC), False),  # the first listing, arriving late
    (Status.PANEL_DECIDED, datetime(2026, 3, 4, 9, 0, tzinfo=UTC), False),  # the decision the team declined
    (Status.TRIAGED, datetime(2026, 3, 11, 9, 0, tzinfo=UTC), False),  # not a decision: never backwards
    (Status.REFERRAL_ACCEPTED, datetime(2026, 3, 11, 9, 0, tzinfo=UTC), False),
])
def test_after_a_team_declines_the_council_deciding_again_starts_over_and_nothing_older_does(
        new: str, at: datetime, moves: bool) -> None:
    assert advances(Status.REFERRAL_DECLINED, new, since=DECLINED_AT, at=at) is moves
    assert advances(Status.REFERRAL_DECLINED, new) is False  # no times to compare: it stays


def test_a_decision_whose_time_came_without_a_zone_is_read_as_utc_not_a_crash() -> None:
    """An event from a system that left the zone off its time: compared as the database stores it."""
    naive_after = datetime(2026, 3, 10, 14, 5)
    naive_before = datetime(2026, 3, 2, 9, 0)
    assert advances(Status.REFERRAL_DECLINED, Status.LISTED_FOR_PANEL, since=DECLINED_AT, at=naive_after) is True
    assert advances(Status.REFERRAL_DECLINED, Status.LISTED_FOR_PANEL, since=DECLINED_AT, at=naive_before) is False
