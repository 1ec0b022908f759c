"""GOV.UK Notify's API key and the short-lived JWT (HS256, `iss` and `iat`) each request carries."""

from __future__ import annotations

import time

import jwt

_UUID_LENGTH = 36


def split_api_key(api_key: str) -> tuple[str, str]:
    """A Notify key is `<name>-<service id>-<secret>`: both ids are UUIDs at the end."""
    if len(api_key) < 2 * _UUID_LENGTH + 1:
        raise ValueError("the GOV.UK Notify API key is too short: expected <name>-<service id>-<secret>")
    return api_key[-(2 * _UUID_LENGTH + 1):-(_UUID_LENGTH + 1)], api_key[-_UUID_LENGTH:]


def notify_token(api_key: str, now: float | None = None) -> str:
    service_id, secret = split_api_key(api_key)
    claims = {"iss": service_id, "iat": int(time.time() if now is None else now)}
    return jwt.encode(claims, secret, algorithm="HS256", headers={"typ": "JWT", "alg": "HS256"})
