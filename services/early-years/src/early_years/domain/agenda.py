"""The early-years inclusion panel's agenda rules. Plain Python."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

PRIORITY_ORDER = {"urgent": 0, "high": 1, "routine": 2}


@dataclass(frozen=True)
class AgendaItem:
    reference: str
    priority: str
    listed_at: datetime


def agenda_order(items: list[AgendaItem]) -> list[AgendaItem]:
    """Most urgent first; within a priority, whoever has waited longest."""
    return sorted(items, key=lambda i: (PRIORITY_ORDER.get(i.priority, 9), i.listed_at))


def belongs_on_panel(outcome: str) -> bool:
    """Triage sends children not yet of compulsory school age to the panel ("panel" outcome)."""
    return outcome == "panel"
