"""Errors triage raises on purpose. Each is permanent: the event that caused it is dead-lettered
with the message as its reason, so a message never holds a name or any other identifier."""

from __future__ import annotations

from frontdoor_shared.errors import PermanentError


class UnknownConcern(PermanentError):
    """A panel decision names a concern triage has no result for, so there is nothing to route."""


class NotForThePanel(PermanentError):
    """A panel decision arrived for a concern that must never be routed as SEND (safeguarding)."""
