"""The early-years inclusion panel's agenda rules. Plain Python.

New cases join the next meeting's agenda in order of priority, then of how long they have
waited. The chair may then move, defer or add cases; a case joining later slots in by the same
rule without undoing the chair's moves among the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, localcontext
from typing import TypeVar

T = TypeVar("T")
PRIORITY_ORDER = {"urgent": 0, "high": 1, "routine": 2}
UNKNOWN_PRIORITY = 9


@dataclass(frozen=True)
class AgendaItem:
    case_id: str
    reference: str
    priority: str
    listed_at: datetime


def _rank(item: AgendaItem) -> tuple[int, datetime]:
    return PRIORITY_ORDER.get(item.priority, UNKNOWN_PRIORITY), item.listed_at


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RANK_STEP = 10**16  # more microseconds than there are from 1970 to the year 2286


def rank_key(priority: str, listed_at: datetime) -> int:
    """`_rank` as one integer that sorts the same way (priority, then microseconds waited), so the
    database can find the cases a new one outranks with an index range instead of a scan."""
    waited = (listed_at - _EPOCH) // timedelta(microseconds=1)
    return PRIORITY_ORDER.get(priority, UNKNOWN_PRIORITY) * RANK_STEP + waited


def band_end(key: int) -> int:
    """The least rank key of a later band than `key`'s (bands: `floor(key / 10^16)`, a priority)."""
    return (key // RANK_STEP + 1) * RANK_STEP


def _exact(*values: Decimal) -> int:
    """Digits enough for the sum or difference of `values` (and 1), halved, to be exact."""
    top = max(max(v.adjusted() for v in values), 0)
    bottom = min(min(int(v.as_tuple().exponent) for v in values), 0)
    return max(28, top - bottom + 4)


# A meeting's positions are respaced (kept in order, `RESPACED_GAP` apart) when a placement would
# read a position of more than `DEEPEST` digits: each case placed into the same gap halves it, one
# digit more each time, and PostgreSQL's numeric holds at most 16,383 digits after the point (seen at
# 50,000 concerns on one meeting: every listing failed). A batch adds at most one digit a case.
DEEPEST = 60
RESPACED_GAP = 2**32  # 32 halvings stay whole numbers


def too_deep(*positions: Decimal | None) -> bool:
    """Whether any of these positions has more digits than a placement should start from."""
    return any(p is not None and len(Decimal(p).as_tuple().digits) > DEEPEST for p in positions)


# How far after `before` a case is placed when its gap is wide. New cases mostly join the end of
# their priority's band (after every case of that priority that waited longer), each one the next
# one's `before`: placed halfway, each would halve the gap, one digit more each time and a respace
# (every item of the agenda rewritten) every few dozen cases, so a long agenda cost more per case
# the longer it grew (measured: 10 agenda rows rewritten per concern at 20,000 concerns, 12% of
# PostgreSQL's time). A step instead takes 2**16 of the gap: a respaced gap (2**32) holds 65,536
# cases in a row, in whole numbers, and still leaves 2**16 behind each for later cases.
PLACEMENT_STEP = Decimal(2**16)


def position_between(before: Decimal | None, first: Decimal) -> Decimal:
    """A position after `before` (None: nothing before it) and just before `first`: a step on
    (`PLACEMENT_STEP`; a whole respaced gap before the top of the agenda) where the gap is wide,
    halfway where it is not. Exact: 28-digit decimals would give two cases halving the same gap the
    same place after about ninety; an exact half costs one more digit."""
    with localcontext() as ctx:
        if before is None:
            ctx.prec = _exact(first, Decimal(RESPACED_GAP))
            return first - RESPACED_GAP
        ctx.prec = _exact(before, first, PLACEMENT_STEP)
        if first - before > 2 * PLACEMENT_STEP:
            return before + PLACEMENT_STEP
        return (before + first) / 2


def agenda_order(items: Sequence[AgendaItem]) -> list[AgendaItem]:
    """Most urgent first; within a priority, whoever has waited longest."""
    return sorted(items, key=_rank)


def insert_in_order(current: Sequence[AgendaItem], new: AgendaItem) -> list[AgendaItem]:
    """Place `new` before the first item it outranks, keeping the others where the chair put them."""
    for index, item in enumerate(current):
        if _rank(new) < _rank(item):
            return [*current[:index], new, *current[index:]]
    return [*current, new]


def move(order: Sequence[T], case_id: T, direction: str) -> list[T]:
    """Move one case up or down one place; at either end it stays where it is."""
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be up or down, not {direction!r}")
    ids = list(order)
    index = ids.index(case_id)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(ids):
        ids[index], ids[target] = ids[target], ids[index]
    return ids


def next_meeting_date(last: date | None, today: date, interval_days: int) -> date:
    """The panel meets every `interval_days`; with no meeting yet, the first is today."""
    if last is None or last >= today:
        return last or today
    gap = (today - last).days
    periods = -(-gap // interval_days)
    return last + timedelta(days=periods * interval_days)


def belongs_on_panel(outcome: str) -> bool:
    """Triage sends children not yet of compulsory school age to the panel ("panel" outcome)."""
    return outcome == "panel"
