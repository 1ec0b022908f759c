"""notifications.notification-sent.v2: the messages sent (or failed, or delivered) about one event.

Version 2 carries, in one event, every message that one sending round handled about one event of
one concern: the family's and the referrer's letters about a triage outcome, say, which go out
together. Version 1 carried one message per event, and each event costs every hop (outbox,
relay, broker, the consumer's inbox) whatever it holds: measured, the referrer's messages alone
took about 8% of the platform's CPU at full load (bench/README.md, session 16). A message's own
facts (who it was for, by which channel, from which template, its status and when) are as in
version 1, per message. Intake still reads version 1 (`NotificationSentV1`), so events published
before an upgrade are not lost to it.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from frontdoor_shared import topics
from frontdoor_shared.contracts.base import Contract

MAX_MESSAGES = 50  # per event: a sender's round splits more about one event over several events


class SentMessage(BaseModel):
    """One message and what became of it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    message_id: UUID = Field(description="The message")
    audience: Literal["family", "referrer", "panel", "partner"] = Field(description="Who it was for")
    channel: Literal["email", "sms", "letter", "dev-mailbox"] = Field(description="How it went")
    template: str = Field(max_length=100, description="Template name")
    status: Literal["sent", "delivered", "failed"] = Field(description="Delivery status")
    sent_at: datetime = Field(description="When it was handed to the channel (or its status came)")


class NotificationSentV2(Contract):
    """Messages about one event of one concern went to families or professionals."""

    TYPE: ClassVar[str] = "uk.frontdoor.notifications.notification.sent.v2"
    TOPIC: ClassVar[str] = topics.NOTIFICATION_SENT
    VERSION: ClassVar[int] = 2

    concern_id: UUID = Field(description="The concern; the Kafka key")
    reference: str = Field(max_length=20, description="Concern reference")
    about_event_type: str = Field(max_length=200, description="The status event the messages tell about")
    messages: list[SentMessage] = Field(min_length=1, max_length=MAX_MESSAGES,
                                        description="Each message, in the order they were handled")
