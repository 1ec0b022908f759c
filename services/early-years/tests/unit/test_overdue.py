"""Overdue actions, judged on the panel's calendar with a clock the test controls."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from early_years.domain.actions import ActionState, check_completable, is_overdue, to_raise
from early_years.domain.exceptions import ActionAlreadyCompleted
from early_years.service_layer.panel import PanelSetup

DUE = date(2026, 3, 10)


class FakeClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **kwargs: float) -> None:
        self.at += timedelta(**kwargs)


def test_an_action_is_not_overdue_on_its_due_date() -> None:
    assert not is_overdue(ActionState("a", DUE), DUE)


def test_an_action_is_overdue_the_day_after_it_was_due() -> None:
    assert is_overdue(ActionState("a", DUE), DUE + timedelta(days=1))


def test_a_completed_action_is_never_overdue() -> None:
    assert not is_overdue(ActionState("a", DUE, completed_at=datetime(2026, 3, 20, tzinfo=UTC)), date(2026, 4, 1))


def test_each_overdue_action_is_raised_once_as_the_clock_moves_on() -> None:
    panel = PanelSetup(id="p")
    clock = FakeClock(datetime(2026, 3, 10, 12, tzinfo=UTC))
    actions = {"a": ActionState("a", DUE), "b": ActionState("b", DUE + timedelta(days=5))}
    raised: list[str] = []
    for _ in range(10):
        for action in to_raise(list(actions.values()), panel.today(clock())):
            raised.append(action.id)
            actions[action.id] = ActionState(action.id, action.due, overdue_raised_at=clock())
        clock.advance(days=1)
    assert raised == ["a", "b"]


def test_today_is_the_panels_local_date_not_utcs() -> None:
    late_evening_utc_in_summer = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    assert PanelSetup(id="p", timezone="Europe/London").today(late_evening_utc_in_summer) == date(2026, 7, 1)


def test_completion_is_recorded_once() -> None:
    with pytest.raises(ActionAlreadyCompleted):
        check_completable(ActionState("a", DUE, completed_at=datetime(2026, 3, 9, tzinfo=UTC)))
