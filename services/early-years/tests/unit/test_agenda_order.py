"""The agenda: most urgent first, then longest waiting; the chair's moves survive new arrivals."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from early_years.domain.agenda import (
    AgendaItem,
    _rank,
    agenda_order,
    belongs_on_panel,
    insert_in_order,
    move,
    next_meeting_date,
    rank_key,
)


def item(ref: str, priority: str, day: int) -> AgendaItem:
    return AgendaItem(case_id=ref, reference=ref, priority=priority, listed_at=datetime(2026, 3, day, tzinfo=UTC))


def refs(items: list[AgendaItem]) -> list[str]:
    return [i.reference for i in items]


def test_the_agenda_puts_urgent_first_then_whoever_has_waited_longest() -> None:
    items = [item("routine-old", "routine", 1), item("high-new", "high", 9), item("urgent", "urgent", 10),
             item("high-old", "high", 2)]
    assert refs(agenda_order(items)) == ["urgent", "high-old", "high-new", "routine-old"]


def test_a_new_case_slots_in_by_priority_and_waiting_time() -> None:
    current = agenda_order([item("a", "urgent", 1), item("b", "high", 2), item("c", "routine", 3)])
    assert refs(insert_in_order(current, item("new", "high", 5))) == ["a", "b", "new", "c"]


def test_a_new_case_joins_without_undoing_the_chairs_order() -> None:
    chairs_order = [item("c", "routine", 3), item("a", "urgent", 1)]
    assert refs(insert_in_order(chairs_order, item("new", "routine", 9))) == ["c", "a", "new"]


def test_an_urgent_case_goes_before_everything_less_urgent() -> None:
    assert refs(insert_in_order([item("a", "high", 1)], item("u", "urgent", 9))) == ["u", "a"]


def test_the_chair_moves_a_case_up_or_down_one_place() -> None:
    assert move(["a", "b", "c"], "c", "up") == ["a", "c", "b"]
    assert move(["a", "b", "c"], "a", "down") == ["b", "a", "c"]


def test_a_case_at_the_top_cannot_move_further_up() -> None:
    assert move(["a", "b"], "a", "up") == ["a", "b"]


def test_moving_sideways_is_refused() -> None:
    with pytest.raises(ValueError, match="up or down"):
        move(["a"], "a", "left")


@pytest.mark.parametrize(("last", "today", "expected"), [
    (None, date(2026, 3, 5), date(2026, 3, 5)),
    (date(2026, 3, 19), date(2026, 3, 5), date(2026, 3, 19)),
    (date(2026, 3, 5), date(2026, 3, 5), date(2026, 3, 5)),
    (date(2026, 3, 1), date(2026, 3, 5), date(2026, 3, 15)),
    (date(2026, 1, 1), date(2026, 3, 5), date(2026, 3, 12)),
])
def test_the_next_meeting_follows_the_panels_calendar(last: date | None, today: date, expected: date) -> None:
    assert next_meeting_date(last, today, 14) == expected


def test_only_the_panel_outcome_lists_a_case() -> None:
    assert belongs_on_panel("panel")
    assert not belongs_on_panel("routed")


def test_the_rank_key_sorts_exactly_as_the_rank() -> None:
    rng = random.Random(7)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    items = [AgendaItem(str(i), f"R{i}", rng.choice(["urgent", "high", "routine", "odd"]),
                        start + timedelta(microseconds=rng.randrange(0, 10**12)))
             for i in range(500)]
    items += [AgendaItem("same-a", "A", "high", start), AgendaItem("same-b", "B", "high", start)]

    by_rank = sorted(items, key=_rank)
    by_key = sorted(items, key=lambda x: rank_key(x.priority, x.listed_at))

    assert [_rank(x) for x in by_rank] == [_rank(x) for x in by_key]
    assert rank_key("high", start) == rank_key("high", start + timedelta(microseconds=1)) - 1
