"""The chair's notes: encrypted at rest with the concern's data key, sealed for notifications on the wire.

A note is the one piece of free text a panel decision keeps. In the database it is AES-GCM
ciphertext under the concern's data key (wrapped by EARLY_YEARS_DATA_KEYS, destroyed on erasure);
on the topic it is sealed with notifications' public key, so only notifications, which writes the
family's and the referrer's letters, can read it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from early_years.adapters import orm
from frontdoor_shared import at_rest
from frontdoor_shared.at_rest import CannotDecrypt, DataKeys, Keyring
from frontdoor_shared.sealed import seal

PURPOSE = "early-years.decision.note"
log = structlog.get_logger()


@dataclass(frozen=True)
class Notes:
    keyring: Keyring
    notifications_key: str  # X25519 public key, base64url

    async def encrypt(self, conn: AsyncConnection, concern_id: uuid.UUID, text: str) -> str | None:
        if not text:
            return None
        key = await DataKeys(conn, orm.data_key, self.keyring).get_or_create(concern_id)
        return at_rest.encrypt(key, text.encode(), purpose=PURPOSE, owner=concern_id)

    def seal(self, text: str) -> str | None:
        return seal(self.notifications_key, text.encode()) if text else None

    async def read(self, conn: AsyncConnection, concern_id: uuid.UUID, decisions: Iterable[Any]) -> dict[Any, str]:
        """Each decision's note in clear, by decision id (unreadable ones say so, never fail the page)."""
        tokens = {d.id: d.note for d in decisions if d.note}
        if not tokens:
            return {}
        keys = await DataKeys(conn, orm.data_key, self.keyring).get_many({concern_id})
        notes = {}
        for decision_id, token in tokens.items():
            try:
                notes[decision_id] = at_rest.decrypt(keys[concern_id], token, purpose=PURPOSE,
                                                     owner=concern_id).decode()
            except (KeyError, CannotDecrypt):
                log.warning("decision.note_unreadable", decision_id=str(decision_id))
                notes[decision_id] = "This note cannot be read: its key is not configured or was destroyed."
        return notes
