"""The council runs its own accounts with the admin CLI (real PostgreSQL): a member of staff added
signs in with the password printed once, can be stopped and let back in, and gets a new
password; a partner system added gets tokens for the scopes it was given until it is disabled; a
wrong field is refused naming it; every change is in the audit trail under the account; the list
shows no password or secret."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from typer.testing import CliRunner

from frontdoor_cli.main import app
from frontdoor_cli.testing import fresh_database
from frontdoor_shared.db import make_engine
from intake.service_layer.accounts import authenticate_client, authenticate_user

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def database(test_stack: Any) -> str:
    return fresh_database(test_stack)


def _cli(database: str, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    monkeypatch.setenv("DATABASE_URL", database)
    return CliRunner().invoke(app, ["accounts", *args])


def _signs_in(database: str, email: str, password: str) -> Any:
    async def go() -> Any:
        engine = make_engine(database, pool_size=1)
        try:
            return await authenticate_user(engine, email, password)
        finally:
            await engine.dispose()
    return asyncio.run(go())


def _token_for(database: str, client_id: str, secret: str) -> Any:
    async def go() -> Any:
        engine = make_engine(database, pool_size=1)
        try:
            return await authenticate_client(engine, client_id, secret, set())
        finally:
            await engine.dispose()
    return asyncio.run(go())


def test_a_member_of_staff_is_added_signs_in_is_stopped_let_back_and_given_a_new_password(
        database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    added = _cli(database, monkeypatch, "add-user", "--email", "Chair@Council.example", "--name", "Priya Patel",
                 "--role", "panel-chair", "--organisation", "Model Council SEND team", "--panel", "ey-panel-north")
    assert added.exit_code == 0, added.output
    password = re.search(r"shown once: (\S+)", added.output).group(1)  # type: ignore[union-attr]
    who = _signs_in(database, "chair@council.example", password)
    assert (who.role, who.panel_id, who.name) == ("panel-chair", "ey-panel-north", "Priya Patel")
    assert who.must_change_password  # the printed password is theirs only once they change it
    assert _signs_in(database, "chair@council.example", "not-the-password") is None

    again = _cli(database, monkeypatch, "add-user", "--email", "chair@council.example", "--name", "P", "--role",
                 "referrer", "--organisation", "X")
    assert again.exit_code == 1
    assert "email: chair@council.example already has an account" in again.output

    assert _cli(database, monkeypatch, "disable-user", "--email", "chair@council.example").exit_code == 0
    assert _signs_in(database, "chair@council.example", password) is None
    assert _cli(database, monkeypatch, "disable-user", "--email", "chair@council.example", "--enable").exit_code == 0
    assert _signs_in(database, "chair@council.example", password) is not None

    reset = _cli(database, monkeypatch, "reset-password", "--email", "chair@council.example")
    new = re.search(r"shown once: (\S+)", reset.output).group(1)  # type: ignore[union-attr]
    assert _signs_in(database, "chair@council.example", password) is None
    assert _signs_in(database, "chair@council.example", new).must_change_password

    user_id = re.search(r"added (user-[0-9a-f]+)", added.output).group(1)  # type: ignore[union-attr]
    monkeypatch.setenv("DATABASE_URL", database)
    trail = CliRunner().invoke(app, ["audit", "--reference", f"account:{user_id}"])
    assert trail.exit_code == 0, trail.output
    assert f"4 audit line(s) for account:{user_id}" in trail.output
    from frontdoor_cli.ops import audit_history

    lines = asyncio.run(audit_history(database, f"account:{user_id}"))
    assert [line["action"] for line in lines] == ["add-user", "disable-user", "enable-user", "reset-password"]
    assert all(line["actor"].startswith("operator:") and line["channel"] == "cli" for line in lines)
    assert not {password, new} & {line["why"] for line in lines}


@pytest.mark.parametrize(("args", "why"), [
    (["--email", "not-an-email", "--role", "referrer"], "email: an email address"),
    (["--email", "a@council.example", "--role", "superuser"], "role: choose one of referrer, panel-member"),
    (["--email", "b@council.example", "--role", "panel-member"], "panel: a panel member or chair needs"),
    (["--email", "c@council.example", "--role", "referrer", "--panel", "p1"], "panel: a panel member or chair"),
])
def test_a_wrong_field_is_refused_naming_it(database: str, monkeypatch: pytest.MonkeyPatch, args: list[str],
                                            why: str) -> None:
    refused = _cli(database, monkeypatch, "add-user", "--name", "Someone", "--organisation", "Model Council", *args)
    assert refused.exit_code == 1
    assert why in refused.output


def test_a_partner_system_gets_tokens_for_its_scopes_until_it_is_disabled(
        database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    added = _cli(database, monkeypatch, "add-partner", "--client-id", "north-trust-slt", "--name",
                 "North Trust SLT system", "--scope", "concerns:write", "--scope", "referrals:slcn:read")
    assert added.exit_code == 0, added.output
    secret = re.search(r"shown once: (\S+)", added.output).group(1)  # type: ignore[union-attr]
    partner = _token_for(database, "north-trust-slt", secret)
    assert (partner.kind, partner.scopes) == ("partner", frozenset({"concerns:write", "referrals:slcn:read"}))

    assert _cli(database, monkeypatch, "disable-partner", "--client-id", "north-trust-slt").exit_code == 0
    assert _token_for(database, "north-trust-slt", secret) is None

    bad = _cli(database, monkeypatch, "add-partner", "--client-id", "other", "--name", "O", "--scope", "erase:all")
    assert bad.exit_code == 1
    assert "scopes: choose from concerns:write" in bad.output
    assert "(erase:all is not one)" in bad.output
    listed = _cli(database, monkeypatch, "list")
    assert listed.exit_code == 0, listed.output
    assert "north-trust-slt" in listed.output
    assert "argon2" not in listed.output
    assert secret not in listed.output


def test_two_administrators_adding_the_same_account_at_once_get_one_account_and_one_refusal(
        database: str) -> None:
    """The database decides (a unique email, a unique client id), not a read before the write: the
    second is refused naming the field, and the first's password or secret is never overwritten."""
    from intake.service_layer.accounts import AccountRefused, add_partner, add_user

    async def twice(add: Any) -> list[Any]:
        engine = make_engine(database, pool_size=2)
        try:
            return await asyncio.gather(add(engine), add(engine), return_exceptions=True)
        finally:
            await engine.dispose()

    users = asyncio.run(twice(lambda engine: add_user(engine, email="twice@council.example", name="Tam Twice",
                                                      role="referrer", organisation="Model Council")))
    [(user_id, password)] = [u for u in users if isinstance(u, tuple)]
    [refused] = [u for u in users if isinstance(u, BaseException)]
    assert isinstance(refused, AccountRefused)
    assert "email: twice@council.example already has an account" in str(refused)
    assert _signs_in(database, "twice@council.example", password).subject == user_id

    secrets = asyncio.run(twice(lambda engine: add_partner(engine, client_id="twice-trust", name="Twice Trust",
                                                           scopes=["concerns:write"])))
    [secret] = [s for s in secrets if isinstance(s, str)]
    [refused] = [s for s in secrets if isinstance(s, BaseException)]
    assert isinstance(refused, AccountRefused)
    assert "client_id: twice-trust already exists" in str(refused)
    assert _token_for(database, "twice-trust", secret) is not None


def test_a_password_hashed_under_the_old_parameters_still_signs_in_and_is_hashed_again(database: str) -> None:
    """argon2id at OWASP's m = 19 MiB, t = 2, p = 1 (argon2-cffi's default held 64 MiB a hash): a
    hash made before keeps working, and is made again under today's parameters once it has."""
    from argon2 import PasswordHasher

    from intake.adapters.accounts import AccountRepository

    old = PasswordHasher()  # 64 MiB, t = 3, p = 4
    assert "m=65536" in old.hash("x")

    async def go() -> tuple[Any, str]:
        engine = make_engine(database, pool_size=1)
        try:
            async with engine.begin() as conn:
                await AccountRepository(conn).upsert_user(
                    id="user-oldhash", email="old.hash@council.example", name="Olu Oldhash", role="referrer",
                    organisation="Model Council", panel_id=None, password_hash=old.hash("lantern copper meadow"))
            who = await authenticate_user(engine, "old.hash@council.example", "lantern copper meadow")
            async with engine.connect() as conn:
                stored = (await AccountRepository(conn).user_by_email("old.hash@council.example")).password_hash
            return who, stored
        finally:
            await engine.dispose()

    who, stored = asyncio.run(go())
    assert who is not None
    assert who.subject == "user-oldhash"
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert _signs_in(database, "old.hash@council.example", "lantern copper meadow") is not None
    assert _signs_in(database, "old.hash@council.example", "not it") is None


def test_two_first_sign_ins_at_once_from_the_councils_directory_make_one_account(database: str) -> None:
    """The same person's two browsers signing in for the first time together: one account, one
    audit line, and both let in as it (the insert decides; the other reads what it made)."""
    import sqlalchemy as sa

    from intake.domain.provider_roles import ProviderRole
    from intake.service_layer.accounts import account_from_provider

    granted = ProviderRole("grp-health-visitors", "referrer", "Model NHS Trust")

    async def go() -> tuple[Any, ...]:
        engine = make_engine(database, pool_size=4)
        try:
            both = await asyncio.gather(*(account_from_provider(engine, "Twice.Visitor@council.example", "Twice",
                                                                granted) for _ in range(2)))
            async with engine.connect() as conn:
                rows = (await conn.execute(sa.text("SELECT id, managed_by FROM intake.staff_user"
                                                   " WHERE email = 'twice.visitor@council.example'"))).all()
                lines = (await conn.execute(sa.text("SELECT count(*) FROM intake.audit WHERE reference = :r"),
                                            {"r": f"account:{rows[0].id}"})).scalar()
        finally:
            await engine.dispose()
        return (*both, rows, lines)

    first, second, rows, lines = asyncio.run(go())
    assert [r.managed_by for r in rows] == ["provider"]
    assert first is not None
    assert second is not None
    assert first.subject == second.subject == rows[0].id
    assert (first.role, second.role) == ("referrer", "referrer")
    assert lines == 1
