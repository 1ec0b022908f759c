"""Use cases: sign a member of staff in, issue a partner a token, seed the demo council, and the
council's own accounts (staff and partner systems, `frontdoor accounts`)."""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import re
import secrets
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine

from frontdoor_shared import revocation, topics
from frontdoor_shared.access import PANEL_ROLES, STAFF_ROLES
from frontdoor_shared.auth import AuthSettings, Principal
from frontdoor_shared.contracts import AccessRevokedV1
from frontdoor_shared.contracts.access_revoked_v1 import RevocationReason
from frontdoor_shared.db import delivery_tables
from frontdoor_shared.topics import PATHWAYS
from intake.adapters import audit
from intake.adapters.accounts import AccountRepository
from intake.adapters.partner_signing import development_signing_key
from intake.domain.provider_roles import ProviderRole

# argon2id as the OWASP Password Storage Cheat Sheet configures it (m = 19 MiB, t = 2, p = 1).
# argon2-cffi's default (64 MiB, p = 4) held 64 MiB for every sign-in and token request at once:
# intake's import alone peaked at 168 MB for its one dummy hash. A hash carries its parameters, so
# one made under the old ones still verifies, and is made again under these at its next success.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# at most two hashes at once (two cores): a burst of sign-ins queues, it does not take the memory
_HASHING = asyncio.Semaphore(2)
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
# the demo partner plays a referrer's system and the speech and language team's (which reports back)
DEMO_CLIENT_SCOPES = "concerns:write concerns:read referrals:slcn:read referrals:slcn:update"


def _verify(hash_: str, secret: str) -> bool:
    try:
        return _hasher.verify(hash_, secret)
    except (VerificationError, InvalidHashError):
        return False


async def _hash(secret: str) -> str:
    async with _HASHING:
        return await asyncio.to_thread(_hasher.hash, secret)


async def _checks(hash_: str, secret: str) -> bool:
    async with _HASHING:
        return await asyncio.to_thread(_verify, hash_, secret)


def _stale(hash_: str) -> bool:
    """Made under other parameters than today's (to be made again now that the secret is known)."""
    try:
        return _hasher.check_needs_rehash(hash_)
    except InvalidHashError:
        return False


async def authenticate_user(engine: AsyncEngine, email: str, password: str) -> Principal | None:
    async with engine.connect() as conn:
        user = await AccountRepository(conn).user_by_email(email)
    ok = await _checks(user.password_hash if user else _DUMMY_HASH, password)
    if not ok or user is None or user.disabled:
        return None
    if _stale(user.password_hash):
        new_hash = await _hash(password)
        async with engine.begin() as conn:
            await AccountRepository(conn).set_user(user.email, password_hash=new_hash)
    return Principal(subject=user.id, kind="staff", role=user.role, organisation=user.organisation,
                     panel_id=user.panel_id, name=user.name, must_change_password=bool(user.must_change_password))


async def account_for_email(engine: AsyncEngine, email: str) -> Principal | None:
    """The member of staff whose email address the council's OpenID Connect provider vouched for
    (it checked who they are); None when Front Door has no account for it, or it is disabled."""
    async with engine.connect() as conn:
        user = await AccountRepository(conn).user_by_email(email)
    if user is None or user.disabled:
        return None
    # a password the council printed is not theirs to change here: they did not use it
    return _principal(user)


PROVIDER = "provider"  # staff_user.managed_by: the council's directory makes and keeps the account


def _principal(user: Any) -> Principal:
    return Principal(subject=user.id, kind="staff", role=user.role, organisation=user.organisation,
                     panel_id=user.panel_id, name=user.name)


async def account_from_provider(engine: AsyncEngine, email: str, name: str, granted: ProviderRole | None, *,
                                here: revocation.Revocations | None = None) -> Principal | None:
    """Where the council's directory says what each person may do (`INTAKE_OIDC_ROLES_FILE`): the
    account of the person the provider vouched for, made on their first sign-in and kept to what
    the directory gives them now (a change of role ends their other sessions; on this service,
    `here`, at once). None, and no session, for a stopped account, or an account the directory made
    whose person it no longer gives any role. An account added by hand stays as the council set it."""
    ended = None
    async with engine.begin() as conn:
        repo = AccountRepository(conn)
        user = await repo.user_by_email(email)
        if user is not None and (user.disabled or (user.managed_by == PROVIDER and granted is None)):
            return None
        if user is not None and (user.managed_by != PROVIDER or granted is None):
            return _principal(user)
        if granted is None:
            return None
        wanted = {"role": granted.role, "organisation": granted.organisation, "panel_id": granted.panel_id}
        if user is None:
            shown = name.strip()[:200] or email
            _check_user(email, shown, granted.role, granted.organisation, granted.panel_id)
            user_id = f"user-{secrets.token_hex(6)}"
            unusable = await _hash(secrets.token_urlsafe(32))  # never shown: they sign in at the provider
            if await repo.add_user(id=user_id, email=email.strip().lower(), name=shown, password_hash=unusable,
                                   must_change_password=False, managed_by=PROVIDER, **wanted):
                await _audited(conn, None, "add-user", f"account:{user_id}",
                               why=f"from the council's provider: role {granted.role}")
            user = await repo.user_by_email(email)  # theirs, or made this moment by their other sign-in
            if user is None or user.disabled:
                return None
        elif {k: getattr(user, k) for k in wanted} != wanted:
            await repo.set_user(email, **wanted)
            ended = await end_sessions(conn, _staff(user.id), "ended-by-council")  # the old role's sessions
            await _audited(conn, None, "change-role", f"account:{user.id}",
                           why=f"from the council's provider: role {user.role} to {granted.role}")
            user = await repo.user_by_id(user.id)
    if ended is not None and here is not None:
        here.add_event(ended)
    return _principal(user)


async def authenticate_client(engine: AsyncEngine, client_id: str, secret: str, wanted: set[str]
                              ) -> Principal | None:
    async with engine.connect() as conn:
        client = await AccountRepository(conn).client(client_id)
    ok = await _checks(client.secret_hash if client else _DUMMY_HASH, secret)
    if not ok or client is None or client.disabled:
        return None
    if _stale(client.secret_hash):
        new_hash = await _hash(secret)
        async with engine.begin() as conn:
            await AccountRepository(conn).set_client(client.client_id, secret_hash=new_hash)
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
        c = creds["partner_client"]  # a credentials file from before a demo scope was added gets it too
        c["scopes"] = " ".join(dict.fromkeys([*c["scopes"].split(), *DEMO_CLIENT_SCOPES.split()]))
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


# --- The council's own accounts (the local identity provider): `frontdoor accounts ...` ---------

async def _audited(conn: Any, by: Principal | None, action: str, reference: str, *, why: str) -> None:
    """An account change in intake's audit trail (reference `account:<id>` or `partner:<client id>`)."""
    await audit.record(conn, by or operator(), action, reference, why=why, channel="cli")


# Intake's outbox, for the admin CLI too: an account's sessions end, everywhere, in the transaction
# that changed it (`intake.access-revoked.v1`; the running services refuse them within seconds)
_DELIVERY = delivery_tables(MetaData(), "intake")
SOURCE = "urn:frontdoor:intake"


async def end_sessions(conn: Any, who: Principal, reason: RevocationReason, *, at: float | None = None,
                       this_session_only: bool = False) -> AccessRevokedV1:
    """Publish (through the outbox, in `conn`'s transaction) that `who`'s sessions issued before
    `at` (now), or only the session of `who`'s token, have ended."""
    longest = timedelta(minutes=AuthSettings().token_minutes)
    data = revocation.revocation(who, reason, at=time.time() if at is None else at,
                                 this_session_only=this_session_only, longest_token=longest)
    await revocation.publish(conn, _DELIVERY, data, source=SOURCE)
    return data


def operator() -> Principal:
    """Who ran the admin CLI: the operating-system account (the audit trail names it)."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # a container's user may have no name
        name = str(os.getuid())
    return Principal(subject=f"operator:{name}", kind="operator")


PARTNER_SCOPES = ("concerns:write", "concerns:read", *(f"referrals:{p}:read" for p in PATHWAYS),
                  *(f"referrals:{p}:update" for p in PATHWAYS))
_CLIENT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountRefused(ValueError):
    """An account change that cannot be made; the message names the field and why."""


def _check_user(email: str, name: str, role: str, organisation: str, panel_id: str | None) -> None:
    if not _EMAIL.match(email) or len(email) > 254:
        raise AccountRefused("email: an email address like name@council.gov.uk is needed")
    if not name.strip() or len(name) > 200:
        raise AccountRefused("name: the person's name is needed (at most 200 characters)")
    if role not in STAFF_ROLES:
        raise AccountRefused(f"role: choose one of {', '.join(STAFF_ROLES)}")
    if not organisation.strip() or len(organisation) > 200:
        raise AccountRefused("organisation: where they work is needed (at most 200 characters)")
    if (role in PANEL_ROLES) != bool(panel_id):
        raise AccountRefused("panel: a panel member or chair needs their panel's id, and no one else has one")


async def add_user(engine: AsyncEngine, *, email: str, name: str, role: str, organisation: str,
                   panel_id: str | None = None, by: Principal | None = None) -> tuple[str, str]:
    """A new member of staff; returns (their id, a random password to hand over securely, which they
    must change at their first sign-in)."""
    _check_user(email, name, role, organisation, panel_id)
    password = secrets.token_urlsafe(15)
    password_hash = await _hash(password)
    user_id = f"user-{secrets.token_hex(6)}"
    async with engine.begin() as conn:
        repo = AccountRepository(conn)
        # the insert decides (a unique email): two administrators adding the same person at once get
        # one account and one refusal, not an error
        added = await repo.user_by_email(email) is None and await repo.add_user(
            id=user_id, email=email.strip().lower(), name=name.strip(), role=role, organisation=organisation.strip(),
            panel_id=panel_id, password_hash=password_hash, must_change_password=True)
        if not added:
            raise AccountRefused(f"email: {email} already has an account (reset its password instead)")
        await _audited(conn, by, "add-user", f"account:{user_id}", why=f"role {role}")
    return user_id, password


async def reset_password(engine: AsyncEngine, email: str, by: Principal | None = None) -> str:
    """A new random password for a member of staff (the old one stops working)."""
    password = secrets.token_urlsafe(15)
    password_hash = await _hash(password)
    async with engine.begin() as conn:
        user = await _user(conn, email)
        await AccountRepository(conn).set_user(email, password_hash=password_hash, must_change_password=True)
        await end_sessions(conn, _staff(user.id), "password-reset")
        await _audited(conn, by, "reset-password", f"account:{user.id}", why="a new printed password")
    return password


async def set_user_disabled(engine: AsyncEngine, email: str, disabled: bool, by: Principal | None = None) -> None:
    """Stop (or restart) a member of staff signing in; their history stays theirs. Stopping ends
    every session they have open, on every service."""
    async with engine.begin() as conn:
        user = await _user(conn, email)
        await AccountRepository(conn).set_user(email, disabled=disabled)
        if disabled:
            await end_sessions(conn, _staff(user.id), "account-disabled")
        await _audited(conn, by, "disable-user" if disabled else "enable-user", f"account:{user.id}",
                       why="can no longer sign in" if disabled else "can sign in again")


def _staff(user_id: str) -> Principal:
    return Principal(subject=user_id, kind="staff")


async def end_every_session(engine: AsyncEngine, *, email: str | None = None, client_id: str | None = None,
                            by: Principal | None = None) -> str:
    """End every session a member of staff (or every token a partner system) holds now, on every
    service, leaving the account as it is (a lost laptop, a token that leaked); whose, for the record."""
    if (email is None) == (client_id is None):
        raise AccountRefused("email or client_id: name one member of staff or one partner system")
    async with engine.begin() as conn:
        if email is not None:
            user = await _user(conn, email)
            who, reference = _staff(user.id), f"account:{user.id}"
        else:
            if await AccountRepository(conn).client(client_id or "") is None:
                raise AccountRefused(f"client_id: no partner {client_id}")
            who, reference = Principal(subject=client_id or "", kind="partner"), f"partner:{client_id}"
        await end_sessions(conn, who, "ended-by-council")
        await _audited(conn, by, "end-sessions", reference, why="every session open ended")
    return reference


async def _user(conn: Any, email: str) -> Any:
    user = await AccountRepository(conn).user_by_email(email)
    if user is None:
        raise AccountRefused(f"email: no account for {email}")
    return user


async def add_partner(engine: AsyncEngine, *, client_id: str, name: str, scopes: list[str],
                      by: Principal | None = None, status_events: bool = True) -> str:
    """A new partner system (OAuth2 client credentials); returns its secret, shown once. With
    `status_events` it hears back on `partner.<client id>.status.v1` about each concern it sends."""
    if not _CLIENT_ID.match(client_id):
        raise AccountRefused("client_id: 3-64 lower-case letters, digits and hyphens (it names the partner on "
                             "its events: urn:frontdoor:partner:<client id>)")
    if not name.strip() or len(name) > 200:
        raise AccountRefused("name: the partner system's name is needed (at most 200 characters)")
    unknown = [s for s in scopes if s not in PARTNER_SCOPES]
    if not scopes or unknown:
        raise AccountRefused(f"scopes: choose from {', '.join(PARTNER_SCOPES)}"
                             + (f" ({', '.join(unknown)} is not one)" if unknown else ""))
    secret = secrets.token_urlsafe(32)
    secret_hash = await _hash(secret)
    async with engine.begin() as conn:
        # one statement decides: a partner added twice at once keeps the first secret, the second is refused
        if not await AccountRepository(conn).add_client(client_id=client_id, name=name.strip(), secret_hash=secret_hash,
                                                        scopes=" ".join(dict.fromkeys(scopes)),
                                                        status_events=status_events):
            raise AccountRefused(f"client_id: {client_id} already exists")
        await _audited(conn, by, "add-partner", f"partner:{client_id}", why=" ".join(dict.fromkeys(scopes)))
    return secret


async def set_partner_disabled(engine: AsyncEngine, client_id: str, disabled: bool,
                               by: Principal | None = None) -> None:
    """Stop (or restart) a partner system getting tokens; stopping ends the tokens it holds, on
    every service."""
    async with engine.begin() as conn:
        if not await AccountRepository(conn).set_client(client_id, disabled=disabled):
            raise AccountRefused(f"client_id: no partner {client_id}")
        if disabled:
            await end_sessions(conn, Principal(subject=client_id, kind="partner"), "partner-disabled")
        await _audited(conn, by, "disable-partner" if disabled else "enable-partner", f"partner:{client_id}",
                       why="can no longer get tokens" if disabled else "can get tokens again")


async def set_partner_status_events(engine: AsyncEngine, client_id: str, on: bool,
                                    by: Principal | None = None) -> str:
    """Start (or stop) a partner's status events; returns its topic. Concerns it sent before keep
    the events already written; from now on, their next moves follow the setting."""
    async with engine.begin() as conn:
        if not await AccountRepository(conn).set_client(client_id, status_events=on):
            raise AccountRefused(f"client_id: no partner {client_id}")
        await _audited(conn, by, "partner-status-events", f"partner:{client_id}",
                       why="status events on" if on else "status events off")
    return topics.partner_status(client_id)


async def list_accounts(engine: AsyncEngine) -> tuple[list[Any], list[Any]]:
    """Every member of staff and partner system (never a password or secret hash)."""
    async with engine.connect() as conn:
        return await AccountRepository(conn).everyone()


async def end_session(engine: AsyncEngine, who: Principal, *, here: revocation.Revocations | None = None) -> bool:
    """End the session of `who`'s token on every service (on this one, `here`, as soon as it is
    committed); False for a token that names no session."""
    if not who.session_id or who.kind not in ("staff", "partner"):
        return False
    async with engine.begin() as conn:
        ended = await end_sessions(conn, who, "signed-out", this_session_only=True)
    if here is not None:
        here.add_event(ended)
    return True


MIN_PASSWORD = 12  # NCSC: length over complexity (three random words)
MAX_PASSWORD = 128


async def change_password(engine: AsyncEngine, user_id: str, current: str, new: str, confirm: str, *,
                          at: float | None = None, here: revocation.Revocations | None = None) -> dict[str, str]:
    """A member of staff changes their own password; the problems by field (none: changed). Every
    session of theirs issued before `at` (now) ends, on every service (on this one, `here`, as soon
    as it is committed): give the one they are in a new token issued `at`."""
    problems: dict[str, str] = {}
    async with engine.begin() as conn:
        repo = AccountRepository(conn)
        user = await repo.user_by_id(user_id)
        if user is None or user.disabled or not await _checks(user.password_hash, current):
            problems["current"] = "Enter your current password"
        if not MIN_PASSWORD <= len(new) <= MAX_PASSWORD:
            problems["new"] = (f"Your new password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters long: "
                               "three random words are easy to remember and hard to guess")
        elif new == current:
            problems["new"] = "Your new password must be different from your current one"
        elif user is not None and new.strip().lower() in (user.email.lower(), user.name.lower()):
            problems["new"] = "Your new password must not be your email address or name"
        if "new" not in problems and confirm != new:
            problems["confirm"] = "Enter the same new password again"
        if problems or user is None:
            return problems
        await repo.set_user(user.email, password_hash=await _hash(new),
                            must_change_password=False)
        ended = await end_sessions(conn, _staff(user.id), "password-changed", at=at)
        who = Principal(subject=user.id, kind="staff", role=user.role)
        await audit.record(conn, who, "change-password", f"account:{user.id}", why="their own", channel="web")
    if here is not None:
        here.add_event(ended)
    return {}
