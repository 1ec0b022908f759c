"""A concern's present status only moves forward, whatever order its events arrive in."""

from __future__ import annotations

import pytest

from intake.domain.model import Status, advances


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
