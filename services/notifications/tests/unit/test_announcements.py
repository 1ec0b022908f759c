"""What a round of sends announces: one `NotificationSentV2` per concern and event told about,
listing its messages in the order they were handled, split at the contract's limit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import ValidationError

from frontdoor_shared.contracts import NotificationSentV2
from frontdoor_shared.contracts.notification_sent_v2 import MAX_MESSAGES
from notifications.service_layer.outcomes import _announce_many

AT = datetime(2026, 11, 30, 9, tzinfo=UTC)


class _Uow:
    def __init__(self) -> None:
        self.emitted: list[tuple[Any, dict[str, Any]]] = []

    def emit(self, payload: Any, **how: Any) -> None:
        self.emitted.append((payload, how))


def _row(concern: uuid.UUID, about: str, audience: str = "family", channel: str = "email") -> SimpleNamespace:
    return SimpleNamespace(id=uuid.uuid4(), concern_id=concern, reference="FD-TEST-0001", about_event_id=about,
                           about_event_type="uk.frontdoor.triage.concern.triaged.v1", correlation_id="journey-1",
                           audience=audience, channel=channel, template=f"{audience}/concern-triaged-routed")


def _announced(rows: list[tuple[Any, str]], provider: str = "notify") -> list[tuple[Any, dict[str, Any]]]:
    uow = _Uow()
    _announce_many(uow, SimpleNamespace(provider=provider), rows, AT)  # type: ignore[arg-type]
    return uow.emitted


def test_the_messages_about_one_event_of_a_concern_go_in_one_event_in_order() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    family, referrer, other = _row(a, "ev-1"), _row(a, "ev-1", "referrer"), _row(b, "ev-2", channel="sms")
    later = _row(a, "ev-3")
    emitted = _announced([(family, "sent"), (other, "sent"), (referrer, "failed"), (later, "delivered")])
    assert [(p.concern_id, how["cause"].id, [m.message_id for m in p.messages]) for p, how in emitted] == [
        (a, "ev-1", [family.id, referrer.id]), (b, "ev-2", [other.id]), (a, "ev-3", [later.id])]
    first, how = emitted[0]
    assert isinstance(first, NotificationSentV2)
    assert [(m.audience, m.channel, m.status, m.sent_at) for m in first.messages] == [
        ("family", "email", "sent", AT), ("referrer", "email", "failed", AT)]
    assert (how["key"], how["subject"], how["cause"].correlationid) == (str(a), "FD-TEST-0001", "journey-1")


def test_more_messages_about_one_event_than_an_event_may_hold_are_split() -> None:
    concern = uuid.uuid4()
    rows = [(_row(concern, "ev-1"), "sent") for _ in range(MAX_MESSAGES + 3)]
    emitted = _announced(rows)
    assert [len(p.messages) for p, _ in emitted] == [MAX_MESSAGES, 3]
    assert [m.message_id for p, _ in emitted for m in p.messages] == [r.id for r, _ in rows]


def test_the_dev_mailbox_is_named_as_the_channel_and_nothing_is_announced_for_no_message() -> None:
    [(payload, _)] = _announced([(_row(uuid.uuid4(), "ev-1", channel="letter"), "delivered")], provider="dev-mailbox")
    assert payload.messages[0].channel == "dev-mailbox"
    assert _announced([]) == []


def test_an_event_lists_at_least_one_message() -> None:
    with pytest.raises(ValidationError, match="messages"):
        NotificationSentV2(concern_id=uuid.uuid4(), reference="FD-TEST-0001", about_event_type="x", messages=[])
