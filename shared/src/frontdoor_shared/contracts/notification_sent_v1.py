"""notifications.notification-sent.v1: a message was sent (or failed) to a recipient.

Retired: notifications publishes `NotificationSentV2` (the messages about one event, together)
instead. Intake still reads this version, so events published before an upgrade keep their place
in a concern's history."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from frontdoor_shared import topics
from frontdoor_shared.contracts.base import Contract


class NotificationSentV1(Contract):
    """A message about a concern went to a family or professional, by a channel."""

    TYPE: ClassVar[str] = "uk.frontdoor.notifications.notification.sent.v1"
    TOPIC: ClassVar[str] = topics.NOTIFICATION_SENT_V1
    VERSION: ClassVar[int] = 1

    concern_id: UUID = Field(description="The concern; the Kafka key")
    reference: str = Field(max_length=20, description="Concern reference")
    message_id: UUID = Field(description="The message")
    audience: Literal["family", "referrer", "panel", "partner"] = Field(description="Who it was for")
    channel: Literal["email", "sms", "letter", "dev-mailbox"] = Field(description="How it went")
    template: str = Field(max_length=100, description="Template name")
    status: Literal["sent", "delivered", "failed"] = Field(description="Delivery status")
    about_event_type: str = Field(max_length=200, description="The status event it tells about")
    sent_at: datetime = Field(description="When it was handed to the channel")
