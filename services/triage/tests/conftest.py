"""Fixtures for triage's tests: submitted concerns as intake would publish them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from frontdoor_shared.contracts import ConcernSubmittedV1

Submitted = Callable[..., ConcernSubmittedV1]


def submitted_concern(**overrides: Any) -> ConcernSubmittedV1:
    """A complete concern about a school-age child at C&L range 3 (MLD, 8 weeks tried)."""
    concern_id = overrides.pop("concern_id", uuid.uuid4())
    fields: dict[str, Any] = {
        "concern_id": concern_id,
        "reference": f"FD-{concern_id.hex[:4].upper()}-{concern_id.hex[4:8].upper()}",
        "submitted_at": datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        "channel": "api",
        "referrer_role": "school-senco",
        "age_in_months": 90,
        "compulsory_school_age_from": date(2024, 9, 1),
        "need_codes": ["MLD"],
        "ranges": [{"area": "C&L", "range": 3}],
        "tried_for_weeks": 8,
        "parent_informed": True,
        "recipients_sealed": "c2VhbGVkLWZvci1ub3RpZmljYXRpb25zLWFsb25l",
    }
    return ConcernSubmittedV1.model_validate({**fields, **overrides})


@pytest.fixture(scope="session")
def submitted() -> Submitted:
    return submitted_concern
