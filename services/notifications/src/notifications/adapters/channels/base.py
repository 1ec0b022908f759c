"""The port every channel implements: send one message, or say whether it was already sent."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal, Protocol

from frontdoor_shared.errors import PermanentError, TransientError


@dataclass(frozen=True)
class OutgoingMessage:
    id: uuid.UUID  # the only thing a provider is told about the message besides its content
    kind: str  # email, sms or letter
    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class ChannelResult:
    provider_id: str
    status: Literal["sent", "delivered"]


class TemporaryFailure(TransientError):
    """The provider could not take the message now (5xx, timeout, rate limit): try again later.
    The text is our own words, never the provider's echo of an address."""


class PermanentFailure(PermanentError):
    """The provider refused this message for good (4xx): fall back to the next channel."""


class Channel(Protocol):
    name: str  # dev-mailbox, notify or smtp
    kinds: frozenset[str]  # which of email, sms and letter it can carry

    async def send(self, message: OutgoingMessage) -> ChannelResult:
        """Hand the message over; raise TemporaryFailure or PermanentFailure."""
        ...

    async def find(self, message_id: uuid.UUID) -> ChannelResult | None:
        """The provider's record of a message we may have sent before a crash, if it has one
        that has not failed; None when it cannot tell or has none."""
        ...

    async def close(self) -> None: ...
