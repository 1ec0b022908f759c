"""Multi-agency actions: when one is overdue, and raising it once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from early_years.domain.exceptions import ActionAlreadyCompleted


@dataclass(frozen=True)
class ActionState:
    id: str
    due: date
    completed_at: datetime | None = None
    overdue_raised_at: datetime | None = None


def is_overdue(action: ActionState, today: date) -> bool:
    """Due on a day means done by the end of it: overdue from the next day until completed."""
    return action.completed_at is None and action.due < today


def to_raise(actions: Sequence[ActionState], today: date) -> list[ActionState]:
    """Overdue actions not yet raised: each is raised once, however often the check runs."""
    return [a for a in actions if is_overdue(a, today) and a.overdue_raised_at is None]


def check_completable(action: ActionState) -> None:
    if action.completed_at is not None:
        raise ActionAlreadyCompleted(f"action {action.id} was completed on {action.completed_at:%d %B %Y}")
