"""Encryption at rest: envelope encryption with AES-256-GCM.

Each record owner (a concern) has its own random 256-bit *data key*. Its fields are encrypted
with that key; the data key is stored only *wrapped* (encrypted) by a *key-encryption key* (KEK)
from configuration, never in the clear. So:

- a database dump or backup holds ciphertext and wrapped keys, readable only with a KEK that
  lives in the services' configuration, not in the database;
- rotation is cheap and needs no downtime: configure a new KEK as current (keeping the old ones
  readable), then re-wrap every data key (`rewrap`); the data itself is never re-encrypted;
- erasing a concern destroys its data key (crypto-shredding): its ciphertext, wherever a copy
  of it went, can no longer be opened once the wrapped key is gone from every copy.

Formats (all text, so they fit the existing TEXT/JSONB columns):
- wrapped data key: ``<kek id>:<base64url(nonce || AES-GCM(KEK, data key, aad=owner))>``
- encrypted field: ``fd1.<base64url(nonce || AES-GCM(data key, plaintext, aad=purpose|owner))>``

KEK configuration is a JSON object of key id to base64 (standard or url-safe) 32-byte key, plus
the id of the current one. A fixed development key is used only outside production.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from frontdoor_shared import jsontext
from frontdoor_shared.db import sql
from frontdoor_shared.errors import PermanentError

FIELD_PREFIX = "fd1."
DEV_KEY_ID = "dev"
_NONCE = 12


class KeyConfigError(ValueError):
    """The key-encryption keys in configuration are missing, malformed or unsafe."""


class CannotDecrypt(PermanentError):
    """Encrypted data could not be opened: wrong or unknown key, tampered, or its data key was destroyed."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _decode_key(key_id: str, text: str) -> bytes:
    try:
        raw = _unb64(text.strip().replace("+", "-").replace("/", "_"))
    except (binascii.Error, ValueError):
        raise KeyConfigError(f"key {key_id!r} is not base64") from None
    if len(raw) != 32:
        raise KeyConfigError(f"key {key_id!r} must be 32 bytes (AES-256), not {len(raw)}")
    return raw


def development_key(service: str) -> bytes:
    """A fixed KEK for the development stack only: derived from a public string, so never secret."""
    return hashlib.sha256(f"frontdoor-development-only-data-key:{service}".encode()).digest()


def generate_kek() -> str:
    """A fresh KEK, base64url encoded, for configuration."""
    return _b64(os.urandom(32))


class Keyring:
    """The configured key-encryption keys: the current one wraps, any of them unwraps."""

    def __init__(self, keys: dict[str, bytes], current: str) -> None:
        if current not in keys:
            raise KeyConfigError(f"the current key id {current!r} is not among the configured keys")
        if any(not k or ":" in k for k in keys):
            raise KeyConfigError("key ids must be non-empty and must not contain ':'")
        self._keys = dict(keys)
        self.current = current

    @classmethod
    def from_config(cls, keys_json: str | None, current: str | None, *, service: str,
                    production: bool, setting: str) -> Keyring:
        """Build from settings; without keys, the development key (refused in production)."""
        if not keys_json:
            if production:
                raise KeyConfigError(f"{setting}_DATA_KEYS must be set in production")
            return cls({DEV_KEY_ID: development_key(service)}, DEV_KEY_ID)
        try:
            parsed = json.loads(keys_json)
        except json.JSONDecodeError:
            raise KeyConfigError(f"{setting}_DATA_KEYS must be a JSON object of key id to base64 key") from None
        if not isinstance(parsed, dict) or not parsed:
            raise KeyConfigError(f"{setting}_DATA_KEYS must be a non-empty JSON object")
        keys = {str(k): _decode_key(str(k), str(v)) for k, v in parsed.items()}
        if production and development_key(service) in keys.values():
            raise KeyConfigError(f"{setting}_DATA_KEYS holds the development key: refused in production")
        if current is None:
            if len(keys) != 1:
                raise KeyConfigError(f"{setting}_DATA_KEY_ID must name the current key when there are several")
            current = next(iter(keys))
        return cls(keys, current)

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(self._keys)

    def wrap(self, data_key: bytes, owner: uuid.UUID) -> str:
        nonce = os.urandom(_NONCE)
        sealed = AESGCM(self._keys[self.current]).encrypt(nonce, data_key, _wrap_aad(owner))
        return f"{self.current}:{_b64(nonce + sealed)}"

    def unwrap(self, wrapped: str, owner: uuid.UUID) -> bytes:
        key_id, _, blob = wrapped.partition(":")
        kek = self._keys.get(key_id)
        if kek is None:
            raise CannotDecrypt(f"data key wrapped by key {key_id!r}, which is not configured")
        try:
            raw = _unb64(blob)
            return AESGCM(kek).decrypt(raw[:_NONCE], raw[_NONCE:], _wrap_aad(owner))
        except (InvalidTag, ValueError, binascii.Error):
            raise CannotDecrypt(f"data key cannot be unwrapped with key {key_id!r}") from None

    @staticmethod
    def wrapped_by(wrapped: str) -> str:
        return wrapped.partition(":")[0]


def _wrap_aad(owner: uuid.UUID) -> bytes:
    return b"frontdoor-data-key|" + str(owner).encode()


def _field_aad(purpose: str, owner: uuid.UUID) -> bytes:
    return f"{purpose}|{owner}".encode()


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def encrypt(data_key: bytes, plaintext: bytes, *, purpose: str, owner: uuid.UUID) -> str:
    """Encrypt one field for one owner; `purpose` binds it to its column (no swapping fields)."""
    nonce = os.urandom(_NONCE)
    return FIELD_PREFIX + _b64(nonce + AESGCM(data_key).encrypt(nonce, plaintext, _field_aad(purpose, owner)))


def decrypt(data_key: bytes, token: str, *, purpose: str, owner: uuid.UUID) -> bytes:
    if not token.startswith(FIELD_PREFIX):
        raise CannotDecrypt("not an encrypted field")
    try:
        raw = _unb64(token[len(FIELD_PREFIX):])
        return AESGCM(data_key).decrypt(raw[:_NONCE], raw[_NONCE:], _field_aad(purpose, owner))
    except (InvalidTag, ValueError, binascii.Error):
        raise CannotDecrypt("encrypted field cannot be opened with this data key") from None


def encrypt_json(data_key: bytes, value: Any, *, purpose: str, owner: uuid.UUID) -> str:
    return encrypt(data_key, jsontext.dumps_bytes(value), purpose=purpose, owner=owner)


def decrypt_json(data_key: bytes, token: str, *, purpose: str, owner: uuid.UUID) -> Any:
    return json.loads(decrypt(data_key, token, purpose=purpose, owner=owner))


def data_key_table(metadata: sa.MetaData, schema: str) -> sa.Table:
    """One wrapped data key per owner (a concern), in the owning service's schema."""
    return sa.Table(
        "data_key", metadata,
        sa.Column("owner_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("kek_id", sa.Text, nullable=False),
        sa.Column("wrapped", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("rewrapped_at", sa.DateTime(timezone=True)),
        schema=schema,
    )


class DataKeys:
    """The data keys of one service, read and written in the caller's transaction."""

    def __init__(self, conn: AsyncConnection, table: sa.Table, keyring: Keyring) -> None:
        self.conn, self.table, self.keyring = conn, table, keyring

    async def get(self, owner: uuid.UUID) -> bytes | None:
        """The owner's data key, or None when it has none (never had one, or it was destroyed)."""
        wrapped = await self.conn.scalar(sa.select(self.table.c.wrapped).where(self.table.c.owner_id == owner))
        return None if wrapped is None else self.keyring.unwrap(wrapped, owner)

    async def create(self, owner: uuid.UUID) -> bytes:
        """A data key for a new owner (one round trip; fails if the owner has one already)."""
        fresh = new_data_key()
        await self.conn.execute(sa.insert(self.table).values(
            owner_id=owner, kek_id=self.keyring.current, wrapped=self.keyring.wrap(fresh, owner)))
        return fresh

    async def get_many(self, owners: set[uuid.UUID]) -> dict[uuid.UUID, bytes]:
        """The data keys of several owners in one round trip (owners without one are left out). One
        statement text for any number of owners (an array): an `IN` list has a text per length, and
        the driver prepared and kept each one on each pooled connection, so the sender's memory
        grew with every new batch size it met."""
        if not owners:
            return {}
        rows = await self.conn.execute(sql(
            f"SELECT owner_id, wrapped FROM {self.table.schema}.{self.table.name}"
            " WHERE owner_id = ANY(CAST(:owners AS uuid[]))"), {"owners": list(owners)})
        return {r.owner_id: self.keyring.unwrap(r.wrapped, r.owner_id) for r in rows}

    async def get_or_create(self, owner: uuid.UUID) -> bytes:
        """The owner's data key, made on first use, in one round trip (safe when two transactions race)."""
        fresh = new_data_key()
        t = self.table
        made = (insert(t).values(owner_id=owner, kek_id=self.keyring.current, wrapped=self.keyring.wrap(fresh, owner))
                .on_conflict_do_nothing().returning(t.c.wrapped).cte("made"))
        wrapped = await self.conn.scalar(
            sa.select(made.c.wrapped).union_all(sa.select(t.c.wrapped).where(t.c.owner_id == owner)).limit(1))
        if wrapped is None:  # another transaction made it after this statement's snapshot: read it now
            found = await self.get(owner)
            if found is None:
                raise CannotDecrypt("the data key vanished while it was being made")
            return found
        return self.keyring.unwrap(wrapped, owner)

    async def get_or_create_many(self, owners: set[uuid.UUID]) -> dict[uuid.UUID, bytes]:
        """Several owners' data keys, each made on first use, in one round trip (same text for any number)."""
        if not owners:
            return {}
        ordered = sorted(owners)
        fresh = [self.keyring.wrap(new_data_key(), owner) for owner in ordered]
        rows = await self.conn.execute(sql(
            f"WITH made AS (INSERT INTO {self.table.schema}.{self.table.name} (owner_id, kek_id, wrapped)"
            " SELECT o, :kek, w FROM unnest(CAST(:owners AS uuid[]), CAST(:wrapped AS text[])) AS u(o, w)"
            " ON CONFLICT (owner_id) DO NOTHING RETURNING owner_id, wrapped)"
            f" SELECT owner_id, wrapped FROM made UNION ALL SELECT owner_id, wrapped FROM"
            f" {self.table.schema}.{self.table.name} WHERE owner_id = ANY(CAST(:owners AS uuid[]))"),
            {"kek": self.keyring.current, "owners": ordered, "wrapped": fresh})
        keys = {r.owner_id: self.keyring.unwrap(r.wrapped, r.owner_id) for r in rows}
        for owner in set(ordered) - set(keys):  # another transaction made it after this statement's snapshot
            key = await self.get(owner)
            if key is None:
                raise CannotDecrypt("a data key vanished while it was being made")
            keys[owner] = key
        return keys

    async def destroy(self, owner: uuid.UUID) -> bool:
        return await destroy_data_key(self.conn, self.table, owner)


async def destroy_data_key(conn: AsyncConnection, table: sa.Table, owner: uuid.UUID) -> bool:
    """Crypto-shredding: without its data key, the owner's ciphertext can never be opened (needs no KEK)."""
    result = await conn.execute(sa.delete(table).where(table.c.owner_id == owner).returning(table.c.owner_id))
    return result.first() is not None


async def rewrap(engine: AsyncEngine, table: sa.Table, keyring: Keyring, *, batch: int = 500) -> int:
    """Re-wrap every data key not wrapped by the current KEK; returns how many. Runs beside the
    live service: each batch is its own short transaction, rows are taken SKIP LOCKED, and reads
    accept any configured KEK throughout. Once it returns 0 the old KEK can be retired."""
    total = 0
    while True:
        async with engine.begin() as conn:
            rows = (await conn.execute(
                sa.select(table.c.owner_id, table.c.wrapped).where(table.c.kek_id != keyring.current)
                .limit(batch).with_for_update(skip_locked=True))).all()
            for row in rows:
                rewrapped = keyring.wrap(keyring.unwrap(row.wrapped, row.owner_id), row.owner_id)
                await conn.execute(sa.update(table).where(table.c.owner_id == row.owner_id).values(
                    wrapped=rewrapped, kek_id=keyring.current, rewrapped_at=datetime.now(UTC)))
        total += len(rows)
        if len(rows) < batch:
            return total
