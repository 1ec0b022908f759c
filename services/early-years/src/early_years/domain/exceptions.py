"""The panel's errors, each named where it is raised. Entry points translate them."""

from __future__ import annotations


class PanelError(Exception):
    """Base of every error the panel's rules raise."""


class DecisionRefused(PanelError):
    """A decision cannot be recorded: the panel is not quorate, or a field is wrong.

    `errors` maps each field (or "quorum") to a message a chair can act on.
    """

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class UnknownCase(PanelError):
    """No panel case, action or meeting has that id (or the caller may not know it exists)."""


class ActionAlreadyCompleted(PanelError):
    """The action's completion was already recorded; completion is recorded once."""


class NotOnAgenda(PanelError):
    """The case is not on that meeting's agenda, so it cannot be moved or deferred there."""


class InvalidAttendance(PanelError):
    """Attendance names an agency the panel does not know, or someone not on the panel."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors
