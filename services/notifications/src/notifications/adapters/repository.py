"""Notifications' repository: recipients, messages and the events held for their recipients."""

from __future__ import annotations

import uuid
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from frontdoor_shared import at_rest
from frontdoor_shared.at_rest import CannotDecrypt, DataKeys, Keyring
from notifications.adapters import orm
from notifications.domain.delivery import PENDING

M = orm.message
SECRET_FIELDS = ("to_address", "subject", "body")  # names and contact details: encrypted at rest


def _purpose(name: str, message_id: uuid.UUID) -> str:
    return f"notifications.message.{name}.{message_id}"


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

    async def remember_recipients(self, concern_id: uuid.UUID, reference: str, sealed: str) -> None:
        await self.conn.execute(insert(orm.recipient).values(
            concern_id=concern_id, reference=reference, sealed=sealed).on_conflict_do_nothing())

    async def sealed_recipients(self, concern_id: uuid.UUID) -> str | None:
        return await self.conn.scalar(
            sa.select(orm.recipient.c.sealed).where(orm.recipient.c.concern_id == concern_id))

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
        due = (sa.select(M.c.id)
               .where(M.c.status == PENDING, sa.func.coalesce(M.c.next_attempt_at, M.c.created_at) <= now)
               .order_by(M.c.created_at).limit(limit).with_for_update(skip_locked=True))
        result = await self.conn.execute(
            sa.update(M).where(M.c.id.in_(due.scalar_subquery()))
            .values(attempts=M.c.attempts + 1, next_attempt_at=lease_until).returning(*M.c))
        return await self.opened(sorted(result.all(), key=lambda r: r.created_at))

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
