"""Errors the delivery machinery understands. Raise the one that says what happened.

Entry points translate these: a consumer retries a transient error with bounded backoff and
never dead-letters it; it dead-letters a permanent error with the reason and carries on.
"""

from __future__ import annotations


class FrontDoorError(Exception):
    """Base of every error Front Door raises on purpose."""


class PermanentError(FrontDoorError):
    """Retrying cannot help: the input is wrong. The event goes to `<topic>.dlq` with the reason.

    The message must never hold a direct identifier (a name, NHS number, date of birth, contact
    detail or free text): it travels in Kafka headers and logs.
    """


class InvalidEvent(PermanentError):
    """An event is not a valid CloudEvent or its data breaks the contract for its type."""


class UnknownEventType(PermanentError):
    """An event carries a type this consumer has no contract for."""


class TransientError(FrontDoorError):
    """The world is briefly broken (database or broker down, a provider's 5xx): retry later."""
