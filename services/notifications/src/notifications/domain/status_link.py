"""A family's private link to their child's status page: a long random token, kept only as a
hash, that expires and can be revoked."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,128}$")


def new_token() -> str:
    """256 bits from the operating system's generator, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database keeps: a leaked table opens no page."""
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    return bool(_TOKEN.match(token))


@dataclass(frozen=True)
class StatusLink:
    token_hash: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None

    @classmethod
    def issue(cls, token: str, now: datetime, days: int) -> StatusLink:
        return cls(token_hash(token), now, now + timedelta(days=days))

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at
