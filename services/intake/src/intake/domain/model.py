"""The concern as intake sees it: an accepted referral with its status history.

Plain Python: no framework imports (a unit test keeps it so).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Crockford base32 without I, L, O, U: readable over the phone, no look-alike characters.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """A reference a family can read out: FD-XXXX-XXXX (40 random bits, 5 a character: each of the
    32 characters equally likely; one draw from the system's randomness, not one per character)."""
    bits = secrets.randbits(40)
    chars = "".join(_ALPHABET[(bits >> shift) & 31] for shift in range(0, 40, 5))
    return f"FD-{chars[:4]}-{chars[4:]}"


def routed_pathway(history: list[StatusChange]) -> str | None:
    """The pathway the child was last routed to, by the policy or by the panel."""
    for change in reversed(history):
        if change.status in (Status.ROUTED, Status.PANEL_DECIDED) and change.detail.get("pathway"):
            return str(change.detail["pathway"])
    return None


def sent_to_panel(history: list[StatusChange]) -> bool:
    """Triage sent the concern to the early years panel (or the panel listed or decided it)."""
    return any(c.status in (Status.LISTED_FOR_PANEL, Status.PANEL_DECIDED)
               or (c.status == Status.TRIAGED and c.detail.get("outcome") == "panel") for c in history)


class Status:
    SUBMITTED = "submitted"
    TRIAGED = "triaged"
    MORE_INFORMATION_NEEDED = "more-information-needed"
    INFORMATION_ADDED = "information-added"  # the referrer answered; triage decides again
    SAFEGUARDING = "escalated-to-safeguarding"
    LISTED_FOR_PANEL = "listed-for-panel"
    PANEL_DECIDED = "panel-decided"
    ROUTED = "routed"
    FAMILY_NOTIFIED = "family-notified"
    REFERRAL_ACCEPTED = "referral-accepted"  # the pathway team took the referral
    APPOINTMENT_BOOKED = "appointment-booked"  # ... and booked the child's first appointment
    REFERRAL_DECLINED = "referral-declined"  # ... or declined it: back to the council
    WITHDRAWN = "withdrawn"  # by whoever raised it, before the council decided; nothing moves it on
    ERASED = "erased"  # its details destroyed; nothing moves it on


# A concern in one of these has reached the end of the front door (retention counts from then).
# The council has decided (routed, or the panel's decision), and the team it chose may have answered.
FINISHED_BY_COUNCIL = (Status.ROUTED, Status.PANEL_DECIDED, Status.REFERRAL_ACCEPTED, Status.APPOINTMENT_BOOKED,
                       Status.REFERRAL_DECLINED)
FINISHED = (*FINISHED_BY_COUNCIL, "closed", "withdrawn")


# Events about one concern arrive on different topics, in no guaranteed order: the present status
# only ever moves forward along the journey, whatever order its events were handled in.
_STAGE = {
    Status.SUBMITTED: 0,
    Status.TRIAGED: 1, Status.MORE_INFORMATION_NEEDED: 1, Status.INFORMATION_ADDED: 1, Status.SAFEGUARDING: 1,
    Status.ROUTED: 2, Status.LISTED_FOR_PANEL: 2,
    Status.PANEL_DECIDED: 3,
    Status.REFERRAL_ACCEPTED: 4, Status.APPOINTMENT_BOOKED: 5, Status.REFERRAL_DECLINED: 6,
    Status.WITHDRAWN: 9,
}
# Before the council has decided (routed, or the panel's decision) whoever raised a concern may
# withdraw it; a safeguarding concern is the safeguarding team's to close.
WITHDRAWABLE = frozenset({Status.SUBMITTED, Status.TRIAGED, Status.MORE_INFORMATION_NEEDED,
                          Status.INFORMATION_ADDED, Status.LISTED_FOR_PANEL})


# After a team declines, the council decides again: the panel lists the case again and decides
# again, or the concern is routed again. Each of these, made after the decline, starts the child's
# journey from there (the new team then answers in its turn); one dated before it is a late event.
DECIDED_AGAIN = frozenset({Status.LISTED_FOR_PANEL, Status.PANEL_DECIDED, Status.ROUTED})


def _utc(moment: datetime) -> datetime:
    """A time without a zone (an event from a system that left it off) read as UTC, as stored."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def advances(current: str, new: str, *, since: datetime | None = None, at: datetime | None = None) -> bool:
    """Whether `new` (of time `at`) should become the present status after `current` (reached at
    `since`)."""
    if current == Status.ERASED:
        return False
    if current == Status.REFERRAL_DECLINED and new in DECIDED_AGAIN:
        return since is not None and at is not None and _utc(at) > _utc(since)
    return _STAGE.get(new, 0) >= _STAGE.get(current, 0)


@dataclass
class StatusChange:
    status: str
    at: datetime
    detail: dict[str, Any] = field(default_factory=dict)
    event_type: str | None = None


@dataclass
class Concern:
    """An accepted concern. `details` holds what the referrer told us; it never leaves intake."""

    id: uuid.UUID
    reference: str
    channel: str
    submitted_at: datetime
    details: dict[str, object]
    status: str = Status.SUBMITTED
    linked_concern_ids: list[uuid.UUID] = field(default_factory=list)
    history: list[StatusChange] = field(default_factory=list)
