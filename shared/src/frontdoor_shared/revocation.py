"""Sessions that end before their tokens run out (`intake.access-revoked.v1`).

Tokens are checked by signature in each service, with no round trip per request; without this a
session would outlive its sign-out, a changed or reset password, or a disabled account or partner
system by up to the token's lifetime. Intake publishes a revocation (through its outbox, in the
transaction that made the change); every service with a web side or an API keeps it in its own
table (with its inbox row) and in memory, where `Tokens.verify` consults it on every request (two
dictionary lookups). A service starting reads what is still in force from its table first, and
then again every few seconds (`FRONTDOOR_REVOCATIONS_REFRESH_SECONDS`): the event reaches one
replica of a service's consumer group, the table every replica.

Times are compared in whole microseconds, so a token issued at the very moment of a revocation
(the new session of someone who has just changed their password) is not caught by it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import structlog
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from frontdoor_shared.contracts.access_revoked_v1 import AccessRevokedV1, RevocationReason
from frontdoor_shared.db import DeliveryTables
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.errors_classify import is_transient
from frontdoor_shared.uow import UnitOfWork, outbox_row, write_outbox

if TYPE_CHECKING:
    from frontdoor_shared.auth import Principal

log = structlog.get_logger()
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# how long an account's revocation is kept: longer than any token it could concern lives (ours
# live FRONTDOOR_TOKEN_MINUTES; a council's OIDC provider's may live longer)
ACCOUNT_REVOCATION_KEPT = timedelta(days=1)


def micros(epoch_seconds: float) -> int:
    """A moment as whole microseconds since the epoch (a token's `iat` and a revocation compared exactly)."""
    return int(epoch_seconds * 1_000_000)


def moment(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def micros_of(at: datetime) -> int:
    return (at - _EPOCH) // timedelta(microseconds=1)


def revoked_table(metadata: sa.MetaData, schema: str) -> sa.Table:
    return sa.Table(
        "revoked_access", metadata,
        # "session:<sid>", or "<kind>:<account id>" for every session of an account
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        schema=schema,
    )


def create_revoked_table(op: object, schema: str) -> None:
    """Create the table in a service's migration."""
    revoked_table(sa.MetaData(), schema).create(op.get_bind())  # type: ignore[attr-defined]


def _key(data: AccessRevokedV1) -> str:
    return f"session:{data.session_id}" if data.session_id else f"{data.kind}:{data.subject}"


class Revocations:
    """What is revoked, in memory: sessions by id, and accounts from a moment."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._entries: dict[str, tuple[int, int]] = {}  # key -> (revoked_at, until), microseconds

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, key: str, revoked_at: datetime, until: datetime, *, forget_expired: bool = True) -> None:
        new = (micros_of(revoked_at), micros_of(until))
        old = self._entries.get(key)
        self._entries[key] = new if old is None else (max(old[0], new[0]), max(old[1], new[1]))
        if forget_expired:
            self.forget_expired()

    def add_event(self, data: AccessRevokedV1) -> None:
        self.add(_key(data), data.revoked_at, data.until)

    def end_here(self, principal: Principal) -> bool:
        """End this token's session in this process only (when it could not be published: the
        database or intake away); False for a token that names no session."""
        if not principal.session_id:
            return False
        self.add_event(revocation(principal, "signed-out", at=time.time(), this_session_only=True))
        return True

    def ends(self, principal: Principal) -> bool:
        """Whether a revocation ends this (validly signed, unexpired) token's session."""
        if not self._entries:
            return False
        if principal.session_id and f"session:{principal.session_id}" in self._entries:
            return True
        account = self._entries.get(f"{principal.kind}:{principal.subject}")
        return account is not None and micros(principal.issued_at) < account[0]

    def forget_expired(self) -> None:
        now = micros(self._clock())
        expired = [k for k, (_, until) in self._entries.items() if until <= now]
        for key in expired:
            del self._entries[key]


class RevocationStore:
    """A service's revocations: its table (schema `schema`) and the memory its `Tokens` consult."""

    def __init__(self, metadata: sa.MetaData, schema: str, revocations: Revocations | None = None) -> None:
        self.table = revoked_table(metadata, schema)
        self.memory = revocations if revocations is not None else Revocations()

    async def refresh(self, engine: AsyncEngine) -> int:
        """Read what is still in force (at start-up, before the first request, and then every few
        seconds: what another replica of this service consumed); how many."""
        async with engine.connect() as conn:
            rows = (await conn.execute(sa.select(self.table.c.key, self.table.c.revoked_at, self.table.c.until)
                                       .where(self.table.c.until > sa.func.now()))).all()
        for key, revoked_at, until in rows:
            self.memory.add(key, revoked_at, until, forget_expired=False)  # one pass after, not one per row
        self.memory.forget_expired()
        return len(rows)

    async def keep_fresh(self, engine: AsyncEngine, stop: asyncio.Event, every: float) -> None:
        """`refresh` every `every` seconds until `stop` is set; a database away is waited out."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=every)
            if stop.is_set():
                return
            try:
                await self.refresh(engine)
            except Exception as err:
                if not is_transient(err):
                    raise
                log.warning("revocations.refresh_failed", error=type(err).__name__)

    async def remember(self, uow: UnitOfWork, event: CloudEvent, data: AccessRevokedV1, topic: str) -> None:
        """Keep a revocation (once: the inbox), and forget those no token can need any more."""
        self.memory.add_event(data)  # at once: refusing a session a moment early is the safe side
        async with uow:
            if await uow.first_time(event, topic):
                await _upsert(uow.conn, self.table, data)
                await uow.conn.execute(sa.delete(self.table).where(self.table.c.until < sa.func.now()))
            await uow.commit()


async def _upsert(conn: AsyncConnection, table: sa.Table, data: AccessRevokedV1) -> None:
    statement = insert(table).values(key=_key(data), revoked_at=data.revoked_at, until=data.until,
                                     reason=data.reason)
    await conn.execute(statement.on_conflict_do_update(index_elements=[table.c.key], set_={
        "revoked_at": sa.func.greatest(table.c.revoked_at, statement.excluded.revoked_at),
        "until": sa.func.greatest(table.c.until, statement.excluded.until),
        "reason": statement.excluded.reason,
    }))


def revocation(principal: Principal, reason: RevocationReason, *, at: float, this_session_only: bool = False,
               longest_token: timedelta = ACCOUNT_REVOCATION_KEPT) -> AccessRevokedV1:
    """The revocation of one session (`this_session_only`: the principal's own, until its token
    expires) or of every session of the principal's account issued before `at`."""
    revoked_at = moment(micros(at))
    if this_session_only:
        if not principal.session_id:
            raise ValueError("this token names no session (no sid)")
        until = max(revoked_at, moment(micros(principal.expires_at)))
        return AccessRevokedV1(kind=_kind(principal), subject=principal.subject, session_id=principal.session_id,
                               revoked_at=revoked_at, until=until, reason=reason)
    return AccessRevokedV1(kind=_kind(principal), subject=principal.subject, revoked_at=revoked_at,
                           until=revoked_at + max(longest_token, ACCOUNT_REVOCATION_KEPT), reason=reason)


def _kind(principal: Principal) -> Any:
    if principal.kind not in ("staff", "partner"):
        raise ValueError(f"only staff and partner sessions can be revoked, not {principal.kind!r}")
    return principal.kind


async def publish(conn: AsyncConnection, tables: DeliveryTables, data: AccessRevokedV1, *, source: str) -> None:
    """Write the revocation to the outbox, in the caller's transaction (the change it follows)."""
    row, _ = outbox_row(data, source=source, subject=f"{data.kind}:{data.subject}", key=data.subject, topic=None,
                        cause=None)
    await write_outbox(conn, tables, [row])
