"""What a provider's answer means, and how long to wait before trying again."""

from __future__ import annotations

from datetime import timedelta

import pytest

from notifications.domain.delivery import callback_outcome, gives_up, retry_delay


@pytest.mark.parametrize(("status", "outcome"), [
    ("delivered", "delivered"), ("received", "delivered"), ("permanent-failure", "permanent"),
    ("validation-failed", "permanent"), ("temporary-failure", "temporary"), ("technical-failure", "temporary"),
    ("sending", "in-progress"), ("created", "in-progress"),
])
def test_notify_statuses_map_to_what_we_do(status: str, outcome: str) -> None:
    assert callback_outcome(status) == outcome


def test_waits_double_and_are_capped() -> None:
    assert [retry_delay(n, 30, 3600).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert retry_delay(30, 30, 3600) == timedelta(hours=1)


def test_a_message_gives_up_after_the_configured_attempts() -> None:
    assert not gives_up(9, 10)
    assert gives_up(10, 10)
