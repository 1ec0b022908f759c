"""The audit's purpose is a code (and at most a ticket reference), never free text."""

from __future__ import annotations

import pytest

from intake.domain.purposes import PURPOSES, BadPurpose, parse_purpose


@pytest.mark.parametrize("given", ["erasure-request DP-2026-17", "subject-access-request SAR/2026/0042", "audit",
                                   " status-enquiry "])
def test_a_code_with_at_most_a_ticket_reference_is_kept(given: str) -> None:
    assert parse_purpose(given, default="direct-care") == given.strip()


def test_no_purpose_is_the_operations_default() -> None:
    assert parse_purpose(None, default="status-enquiry") == "status-enquiry"
    assert parse_purpose("  ", default="referral") == "referral"


@pytest.mark.parametrize("given", ["checking on Ava Smith", "erasure request DP-2026-17", "audit Ava",
                                   "audit DP-2026-17 for Ava", "Audit", "erasure-request Ava-Smith"])
def test_free_text_or_an_unknown_code_is_refused_naming_the_codes(given: str) -> None:
    with pytest.raises(BadPurpose) as refused:
        parse_purpose(given, default="audit")
    assert all(code in str(refused.value) for code in PURPOSES)
