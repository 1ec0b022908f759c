"""Why someone reads or changes a child's record: a code from a fixed list, never free text.

The audit trail records a purpose for every read and change. Free text there would be one more
place a child's name could be written down in clear, so the caller's `X-Purpose` header is a code
from this list, optionally followed by a ticket reference of the form the council's systems issue
(capital letters, then digits: `DP-2026-17`, `SAR/2026/0042`), and nothing else.
"""

from __future__ import annotations

import re

PURPOSES: dict[str, str] = {
    "direct-care": "to arrange or give the child support",
    "status-enquiry": "to follow the concern's status",
    "referral": "to act on a referral routed to the caller's pathway",
    "panel": "to prepare or record the early years inclusion panel's decision",
    "safeguarding": "to act on a safeguarding concern",
    "erasure-request": "to carry out a right to erasure request",
    "subject-access-request": "to answer a subject access request",
    "complaint": "to investigate a complaint",
    "audit": "to audit the service",
}
_SHAPE = re.compile(r"(?P<code>[a-z-]{1,40})(?: (?P<ticket>[A-Z]{1,8}[-/]?[0-9][0-9/-]{0,23}))?")


class BadPurpose(ValueError):
    """The purpose given is not one of the codes, or carries more than a ticket reference."""


def parse_purpose(raw: str | None, default: str) -> str:
    """The purpose to audit: the caller's, checked, or `default` (a code) when none was given."""
    if raw is None or not raw.strip():
        return default
    found = _SHAPE.fullmatch(raw.strip())
    if found is None or found["code"] not in PURPOSES:
        raise BadPurpose("must be one of " + ", ".join(PURPOSES) + ", optionally followed by a space and a "
                         "ticket reference such as DP-2026-17 (no names or other free text)")
    return raw.strip()
