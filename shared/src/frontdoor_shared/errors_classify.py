"""Is an error transient (retry with backoff) or permanent (dead-letter with the reason)?"""

from __future__ import annotations

import asyncio

import asyncpg
import sqlalchemy.exc
from aiokafka import errors as kafka_errors
from pydantic import ValidationError

from frontdoor_shared.envelope import describe_validation_error
from frontdoor_shared.errors import PermanentError, TransientError

_TRANSIENT: tuple[type[BaseException], ...] = (
    TransientError,
    ConnectionError,
    OSError,
    TimeoutError,
    asyncio.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.InterfaceError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
    kafka_errors.KafkaConnectionError,
    kafka_errors.KafkaTimeoutError,
    kafka_errors.RequestTimedOutError,
    kafka_errors.NotLeaderForPartitionError,
    kafka_errors.LeaderNotAvailableError,
    kafka_errors.NodeNotReadyError,
    kafka_errors.UnknownTopicOrPartitionError,
)


def is_transient(err: BaseException) -> bool:
    """Walk the cause chain: SQLAlchemy wraps asyncpg errors, asyncpg wraps OSError."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        if isinstance(current, PermanentError):
            return False
        if isinstance(current, _TRANSIENT):
            return True
        if isinstance(current, sqlalchemy.exc.DBAPIError) and current.connection_invalidated:
            return True
        seen.add(id(current))
        current = current.__cause__ or getattr(current, "orig", None) or current.__context__
    return False


def reason_for(err: BaseException) -> str:
    """A reason safe to put in headers and logs: never echo input values (they may identify)."""
    if isinstance(err, PermanentError):
        return str(err)[:1000]
    if isinstance(err, ValidationError):
        return describe_validation_error(err)[:1000]
    return f"unexpected {type(err).__name__} while handling the event"
