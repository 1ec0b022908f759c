"""Notifications' repository: recipients, messages and the events held for their recipients."""

from __future__ import annotations

import uuid
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from frontdoor_shared import at_rest, jsontext
from frontdoor_shared.at_rest import CannotDecrypt, DataKeys, Keyring
from frontdoor_shared.db import sql
from notifications.adapters import orm
from notifications.domain.delivery import PENDING

M = orm.message
SECRET_FIELDS = ("to_address", "subject", "body")  # names and contact details: encrypted at rest


# a recorded message's columns and their PostgreSQL types, for the one-statement insert of many
_MESSAGE_COLUMNS = {
    "id": "uuid", "dedupe_key": "text", "concern_id": "uuid", "reference": "text", "audience": "text",
    "channel": "text", "provider": "text", "template": "text", "about_event_id": "text",
    "about_event_type": "text", "correlation_id": "text", "to_address": "text", "subject": "text", "body": "text",
    "status": "text", "created_at": "timestamptz", "status_at": "timestamptz", "fallback_of": "uuid",
    "attempts": "int", "next_attempt_at": "timestamptz",
}


def _purpose(name: str, message_id: uuid.UUID) -> str:
    return f"notifications.message.{name}.{message_id}"


def _claim_statement() -> sa.Update:
    """The sender's claim: oldest due first, on the partial index ix_message_due (migration 0004),
    walked in order up to the limit. The status is written into the statement, not bound, so a
    generic plan still matches the index's WHERE. Built once (building it was a quarter of a claim's time)."""
    due_at = sa.func.coalesce(M.c.next_attempt_at, M.c.created_at)
    due = (sa.select(M.c.id)
           .where(M.c.status == sa.literal_column(f"'{PENDING}'"), due_at <= sa.bindparam("now"))
           .order_by(due_at).limit(sa.bindparam("limit")).with_for_update(skip_locked=True))
    return (sa.update(M).where(M.c.id.in_(due.scalar_subquery()))
            .values(attempts=M.c.attempts + 1, next_attempt_at=sa.bindparam("lease_until")).returning(*M.c))


CLAIM = _claim_statement()


class MessageRepository:
    """`keyring` (the key-encryption keys) is needed to record or read a message's contents."""

    def __init__(self, conn: AsyncConnection, keyring: Keyring | None = None) -> None:
        self.conn = conn
        self.keyring = keyring
        self._data_keys: dict[uuid.UUID, bytes | None] = {}  # this transaction's, per concern

    def _keys(self) -> DataKeys:
        if self.keyring is None:
            raise RuntimeError("a message's contents need the key-encryption keys: pass a keyring")
        return DataKeys(self.conn, orm.data_key, self.keyring)

    async def _encrypt(self, values: dict[str, Any]) -> dict[str, Any]:
        key = self._data_keys.get(values["concern_id"]) or await self._keys().get_or_create(values["concern_id"])
        self._data_keys[values["concern_id"]] = key
        return {**values, **{name: at_rest.encrypt(key, str(values[name]).encode(), owner=values["concern_id"],
                                                   purpose=_purpose(name, values["id"]))
                             for name in SECRET_FIELDS}}

    async def opened(self, rows: list[Any]) -> list[Any]:
        """Message rows with their contents decrypted."""
        keys = self._data_keys
        missing = {row.concern_id for row in rows} - set(keys)
        if missing:
            found = await self._keys().get_many(missing)
            keys.update({owner: found.get(owner) for owner in missing})
        opened = []
        for row in rows:
            key = keys[row.concern_id]
            if key is None:
                raise CannotDecrypt("the concern's data key was destroyed (erased)")
            opened.append(SimpleNamespace(**{**row._asdict(), **{
                name: at_rest.decrypt(key, getattr(row, name), owner=row.concern_id,
                                      purpose=_purpose(name, row.id)).decode() for name in SECRET_FIELDS}}))
        return opened

    async def prefetch_keys(self, concern_ids: set[uuid.UUID]) -> None:
        """Make or read the data keys of many concerns at once, for the messages about to be recorded."""
        missing = concern_ids - {k for k, v in self._data_keys.items() if v is not None}
        self._data_keys.update(await self._keys().get_or_create_many(missing))

    async def remember_recipients_many(self, rows: list[tuple[uuid.UUID, str, str]]) -> None:
        """`remember_recipients` for (concern id, reference, sealed) rows, in one statement."""
        if rows:
            await self.conn.execute(sql(
                "INSERT INTO notifications.recipient (concern_id, reference, sealed) SELECT * FROM"
                " unnest(CAST(:c AS uuid[]), CAST(:r AS text[]), CAST(:s AS text[])) ON CONFLICT DO NOTHING"),
                {"c": [r[0] for r in rows], "r": [r[1] for r in rows], "s": [r[2] for r in rows]})

    async def recipients_and_held_many(self, concern_ids: set[uuid.UUID]
                                       ) -> tuple[dict[uuid.UUID, str], dict[uuid.UUID, list[Any]]]:
        """For many concerns in ONE statement (a round trip less per consumed batch than reading one
        and taking the other): each one's sealed recipients, and, for those that have them, the
        events held for want of them, taken (deleted), oldest first."""
        if not concern_ids:
            return {}, {}
        p = orm.pending_notice
        rows = await self.conn.execute(sql(
            "WITH r AS (SELECT concern_id, sealed FROM notifications.recipient"
            "           WHERE concern_id = ANY(CAST(:c AS uuid[]))),"
            " h AS (DELETE FROM notifications.pending_notice p USING r WHERE p.concern_id = r.concern_id"
            "       RETURNING p.event_id, p.concern_id, p.topic, p.event, p.received_at)"
            " SELECT concern_id, sealed, NULL::text AS event_id, NULL::text AS topic, NULL::jsonb AS event,"
            "        NULL::timestamptz AS received_at FROM r"
            " UNION ALL SELECT concern_id, NULL::text, event_id, topic, event, received_at FROM h"
        ).columns(p.c.concern_id, sa.column("sealed", sa.Text), p.c.event_id, p.c.topic, p.c.event, p.c.received_at),
            {"c": sorted(concern_ids)})
        sealed: dict[uuid.UUID, str] = {}
        held: dict[uuid.UUID, list[Any]] = {}
        taken = []
        for row in rows:
            if row.event_id is None:
                sealed[row.concern_id] = row.sealed
            else:
                taken.append(row)
        for row in sorted(taken, key=lambda r: (r.received_at, r.event_id)):
            held.setdefault(row.concern_id, []).append(row)
        return sealed, held

    async def add_many(self, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
        """`add_once` for many messages in one statement (the same text for any number); the ids inserted.
        A row may come already taken by a sender (`attempts` 1, `next_attempt_at` its lease)."""
        if not rows:
            return set()
        encrypted = [await self._encrypt({"attempts": 0, "next_attempt_at": None, **r}) for r in rows]
        arrays = {name: [r[name] for r in encrypted] for name in _MESSAGE_COLUMNS}
        result = await self.conn.execute(sql(
            f"INSERT INTO notifications.message ({', '.join(_MESSAGE_COLUMNS)}) SELECT * FROM unnest("
            + ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in _MESSAGE_COLUMNS.items())
            + ") ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"), arrays)
        return {r.id for r in result}

    async def defer_many(self, rows: list[tuple[uuid.UUID, str, str, dict[str, Any]]]) -> None:
        """`defer` for (concern id, event id, topic, event) rows, in one statement."""
        if rows:
            await self.conn.execute(sql(
                "INSERT INTO notifications.pending_notice (event_id, concern_id, topic, event) SELECT e, c, t,"
                " v::jsonb FROM unnest(CAST(:e AS text[]), CAST(:c AS uuid[]), CAST(:t AS text[]),"
                " CAST(:v AS text[])) AS u(e, c, t, v) ON CONFLICT DO NOTHING"),
                {"e": [r[1] for r in rows], "c": [r[0] for r in rows], "t": [r[2] for r in rows],
                 "v": [jsontext.dumps(r[3]) for r in rows]})

    async def remember_recipients(self, concern_id: uuid.UUID, reference: str, sealed: str) -> None:
        await self.conn.execute(insert(orm.recipient).values(
            concern_id=concern_id, reference=reference, sealed=sealed).on_conflict_do_nothing())

    async def sealed_recipients(self, concern_id: uuid.UUID) -> str | None:
        return await self.conn.scalar(
            sa.select(orm.recipient.c.sealed).where(orm.recipient.c.concern_id == concern_id))

    async def recorded_about(self, event_id: str, template: str) -> bool:
        """Whether a `template` message was recorded about the event (the template names no one)."""
        return bool(await self.conn.scalar(sa.select(sa.exists().where(M.c.about_event_id == event_id,
                                                                       M.c.template == template))))

    async def add_once(self, **values: Any) -> bool:
        """Insert a message unless one with the same dedupe key exists; True when inserted."""
        result = await self.conn.execute(
            insert(M).values(**await self._encrypt(values)).on_conflict_do_nothing(
                index_elements=[M.c.dedupe_key]).returning(M.c.id))
        return result.first() is not None

    async def get(self, message_id: uuid.UUID, *, lock: bool = False) -> Any:
        stmt = sa.select(M).where(M.c.id == message_id)
        row = (await self.conn.execute(stmt.with_for_update() if lock else stmt)).first()
        return None if row is None else (await self.opened([row]))[0]

    async def by_provider_id(self, provider_id: str) -> uuid.UUID | None:
        return await self.conn.scalar(sa.select(M.c.id).where(M.c.provider_id == provider_id))

    async def mailbox(self, reference: str | None = None, limit: int = 200) -> list[Any]:
        stmt = sa.select(M).order_by(M.c.created_at.desc()).limit(limit)
        if reference:
            stmt = stmt.where(M.c.reference == reference)
        return await self.opened(list((await self.conn.execute(stmt)).all()))

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[Any]:
        """Take pending messages that are due, holding each until `lease_until`: another sender
        (or this one after a crash) takes it again only when that lease has run out."""
        result = await self.conn.execute(CLAIM, {"now": now, "lease_until": lease_until, "limit": limit})
        return await self.opened(sorted(result.all(), key=lambda r: r.created_at))

    async def mark_sent_many(self, sent: list[tuple[uuid.UUID, str, str | None]], *, provider: str,
                             at: datetime) -> set[uuid.UUID]:
        """Record many (message id, status, provider id) sends at once, each only while the message
        is still pending (a receipt may have overtaken it); the ids changed."""
        if not sent:
            return set()
        rows = await self.conn.execute(sql(
            "UPDATE notifications.message AS m SET status = u.s, provider_id = u.p, provider = :provider,"
            " sent_at = :at, status_at = :at, next_attempt_at = NULL, last_error = NULL"
            " FROM unnest(CAST(:ids AS uuid[]), CAST(:ss AS text[]), CAST(:ps AS text[])) AS u(i, s, p)"
            " WHERE m.id = u.i AND m.status = :pending RETURNING m.id"),
            {"ids": [m for m, _, _ in sent], "ss": [s for _, s, _ in sent], "ps": [p for _, _, p in sent],
             "provider": provider, "at": at, "pending": PENDING})
        return {r.id for r in rows}

    async def update_if(self, message_id: uuid.UUID, statuses: tuple[str, ...], **values: Any) -> bool:
        """Change a message only while it is in one of `statuses`; True when it changed."""
        result = await self.conn.execute(
            sa.update(M).where(M.c.id == message_id, M.c.status.in_(statuses)).values(**values)
            .returning(M.c.id))
        return result.first() is not None

    async def defer(self, concern_id: uuid.UUID, event_id: str, topic: str, event: dict[str, Any]) -> None:
        """Keep a status event whose concern's contact details have not arrived yet."""
        await self.conn.execute(insert(orm.pending_notice).values(
            event_id=event_id, concern_id=concern_id, topic=topic, event=event).on_conflict_do_nothing())

    async def held_since(self, cutoff: datetime, template: str, limit: int) -> list[Any]:
        """Events held for contact details since before `cutoff` that staff have not been told of."""
        t = orm.pending_notice
        told = sa.exists().where(M.c.about_event_id == t.c.event_id, M.c.template == template)
        return list((await self.conn.execute(
            sa.select(t).where(t.c.received_at <= cutoff, ~told).order_by(t.c.received_at).limit(limit))).all())

    async def take_deferred(self, concern_id: uuid.UUID) -> list[Any]:
        t = orm.pending_notice
        rows = list((await self.conn.execute(
            sa.select(t).where(t.c.concern_id == concern_id).order_by(t.c.received_at)
            .with_for_update())).all())
        if rows:
            await self.conn.execute(sa.delete(t).where(t.c.concern_id == concern_id))
        return rows

    async def erase(self, concern_id: uuid.UUID) -> None:
        """Everything held about an erased concern: its data key first (crypto-shredding), then its
        messages, sealed contact details, held events, journey and the family's private links."""
        await at_rest.destroy_data_key(self.conn, orm.data_key, concern_id)
        self._data_keys.pop(concern_id, None)
        for table in (orm.message, orm.recipient, orm.pending_notice, orm.journey, orm.status_link):
            await self.conn.execute(sa.delete(table).where(table.c.concern_id == concern_id))
