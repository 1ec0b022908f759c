"""What a provider's answer means for a message, and how long to wait before trying again."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

PENDING, SENT, DELIVERED, FAILED = "pending", "sent", "delivered", "failed"

# GOV.UK Notify's statuses, for emails, text messages and letters.
_DELIVERED = frozenset({"delivered", "received"})
_PERMANENT = frozenset({"permanent-failure", "validation-failed", "virus-scan-failed", "cancelled"})
_TEMPORARY = frozenset({"temporary-failure", "technical-failure"})
FAILED_AT_PROVIDER = _PERMANENT | _TEMPORARY

Outcome = Literal["delivered", "permanent", "temporary", "in-progress"]


def callback_outcome(status: str) -> Outcome:
    """Delivered; failed for good (fall back to the next channel); failed for now (retry)."""
    if status in _DELIVERED:
        return "delivered"
    if status in _PERMANENT:
        return "permanent"
    if status in _TEMPORARY:
        return "temporary"
    return "in-progress"


def retry_delay(attempts: int, base_seconds: float, max_seconds: float) -> timedelta:
    """Doubling waits from `base_seconds`, never longer than `max_seconds`."""
    return timedelta(seconds=min(max_seconds, base_seconds * 2 ** max(0, min(attempts - 1, 20))))


def gives_up(attempts: int, max_attempts: int) -> bool:
    return attempts >= max_attempts
