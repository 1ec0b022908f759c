"""Use cases: sign a member of staff in, issue a partner a token, seed the demo council."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncEngine

from frontdoor_shared.auth import Principal
from intake.adapters.accounts import AccountRepository
from intake.adapters.partner_signing import development_signing_key

_hasher = PasswordHasher()
# Checked against when the account does not exist, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("no-such-account")

DEMO_PANEL = "demo-early-years-panel"
DEMO_USERS = (
    ("health-visitor", "Hannah Visitor", "referrer", "Model NHS Trust (ODS RX1)", None),
    ("setting-senco", "Sam Senco", "referrer", "Little Acorns Nursery (URN 123456)", None),
    ("panel-chair", "Priya Chair", "panel-chair", "Model Council SEND team", DEMO_PANEL),
    ("panel-health", "Dr Owen Health", "panel-member", "Model NHS Trust", DEMO_PANEL),
    ("panel-slt", "Sian Therapist", "panel-member", "Speech and Language Therapy", DEMO_PANEL),
    ("panel-early-years", "Ezra Years", "panel-member", "Model Council Early Years", DEMO_PANEL),
    ("council-admin", "Ada Admin", "council-admin", "Model Council", None),
    ("data-protection-officer", "Dara Protection", "data-protection-officer", "Model Council", None),
)
DEMO_CLIENT_SCOPES = "concerns:write concerns:read referrals:slcn:read"


def _verify(hash_: str, secret: str) -> bool:
    try:
        return _hasher.verify(hash_, secret)
    except (VerificationError, InvalidHashError):
        return False


async def authenticate_user(engine: AsyncEngine, email: str, password: str) -> Principal | None:
    async with engine.connect() as conn:
        user = await AccountRepository(conn).user_by_email(email)
    ok = await asyncio.to_thread(_verify, user.password_hash if user else _DUMMY_HASH, password)
    if not ok or user is None or user.disabled:
        return None
    return Principal(subject=user.id, kind="staff", role=user.role, organisation=user.organisation,
                     panel_id=user.panel_id, name=user.name)


async def authenticate_client(engine: AsyncEngine, client_id: str, secret: str, wanted: set[str]
                              ) -> Principal | None:
    async with engine.connect() as conn:
        client = await AccountRepository(conn).client(client_id)
    ok = await asyncio.to_thread(_verify, client.secret_hash if client else _DUMMY_HASH, secret)
    if not ok or client is None or client.disabled:
        return None
    granted = set(client.scopes.split())
    scopes = (wanted & granted) if wanted else granted
    if wanted and not wanted <= granted:
        return None
    return Principal(subject=client.client_id, kind="partner", organisation=client.name,
                     scopes=frozenset(scopes))


def _load_or_make(path: Path) -> dict[str, Any]:
    if path.exists():
        return json.loads(path.read_text())  # type: ignore[no-any-return]
    users = {uid: {"email": f"{uid}@frontdoor.example", "password": secrets.token_urlsafe(12),
                   "name": name, "role": role, "organisation": org, "panel_id": panel}
             for uid, name, role, org, panel in DEMO_USERS}
    client = {"client_id": "demo-partner", "client_secret": secrets.token_urlsafe(24),
              "scopes": DEMO_CLIENT_SCOPES, "name": "Demo partner system"}
    return {"council": "Front Door Model Council", "users": users, "partner_client": client}


async def seed_demo(engine: AsyncEngine, path: Path, token_url: str) -> dict[str, Any]:
    """Create one user per role and one partner client; write their credentials (mode 0600)."""
    creds = _load_or_make(path)
    async with engine.begin() as conn:
        repo = AccountRepository(conn)
        for uid, u in creds["users"].items():
            await repo.upsert_user(id=uid, email=u["email"], name=u["name"], role=u["role"],
                                   organisation=u["organisation"], panel_id=u["panel_id"],
                                   password_hash=_hasher.hash(u["password"]))
        c = creds["partner_client"]
        await repo.upsert_client(client_id=c["client_id"], name=c["name"], scopes=c["scopes"],
                                 secret_hash=_hasher.hash(c["client_secret"]))
    # the demo partner's development signing key (intake trusts it outside production): what a
    # partner's system keeps to sign the concerns it sends as events (see partner_signing)
    c["signing_key"] = development_signing_key().as_dict(private=True)
    creds["token_url"] = token_url
    creds["how_to_get_a_token"] = (f"curl -s -u {c['client_id']}:<client_secret> -d grant_type=client_credentials "
                                   f"{token_url}")
    await asyncio.to_thread(_write_private, path, creds)
    return creds


def _write_private(path: Path, creds: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(creds, out, indent=2)
    path.chmod(0o600)
