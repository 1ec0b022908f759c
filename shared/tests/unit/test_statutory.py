"""The statutory clock's one day-counting convention (frontdoor_shared.statutory)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from frontdoor_shared.statutory import assessment_decision_due, clock_for, received_on


def test_six_weeks_end_on_the_same_weekday_six_weeks_after_the_day_received() -> None:
    assert assessment_decision_due(date(2026, 12, 1)) == date(2027, 1, 12)  # Tuesday to Tuesday
    assert assessment_decision_due(date(2027, 2, 15)) == date(2027, 3, 29)  # across a short February
    assert assessment_decision_due(date(2028, 2, 1)).weekday() == date(2028, 2, 1).weekday()


def test_the_day_received_is_the_day_in_england_whatever_the_hour_in_utc() -> None:
    assert received_on(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == date(2026, 7, 1)  # 00:30 BST
    assert received_on(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2026, 12, 31)  # GMT: the same day
    assert received_on(datetime(2026, 3, 29, 0, 59, tzinfo=UTC)) == date(2026, 3, 29)


def test_only_the_statutory_pathway_starts_the_clock() -> None:
    assert clock_for("statutory", date(2026, 12, 1)) == date(2027, 1, 12)
    assert clock_for("slcn", date(2026, 12, 1)) is None
    assert clock_for("statutory", None) is None  # an event from before the day received was carried
