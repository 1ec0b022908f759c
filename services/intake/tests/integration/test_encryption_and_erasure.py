"""A concern's details are encrypted at rest under a data key of its own; keys rotate without
downtime; erasing a child crypto-shreds every concern about them and tells the other services;
retention erases finished concerns; migration 0005 encrypts concerns stored before it."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from pydantic import SecretStr

from frontdoor_cli.testing import empty_database, fresh_database
from frontdoor_shared.at_rest import CannotDecrypt, Keyring, decrypt_json
from frontdoor_shared.auth import Principal
from frontdoor_shared.contracts import ConcernErasedV1, ConcernTriagedV1
from frontdoor_shared.envelope import new_event
from frontdoor_shared.migrations import upgrade
from intake.adapters import orm
from intake.adapters.repository import DETAILS, ConcernRepository
from intake.bootstrap import Intake, keyring_of
from intake.config import IntakeSettings
from intake.entrypoints.main import MIGRATIONS
from intake.service_layer.erasure import UnknownReference, sweep_retention
from intake.service_layer.schemas import ConcernIn
from intake.service_layer.status import record_status
from intake.service_layer.submit import Submission
from tests.support import a_concern

pytestmark = pytest.mark.integration
DPO = Principal("dpo-1", "staff", "data-protection-officer")
NHS, OTHER_NHS = "9990000018", "9990000026"


@pytest.fixture(scope="module")
def database(test_stack):  # type: ignore[no-untyped-def]
    return fresh_database(test_stack)  # its own: key rotation here must not touch other modules' rows


def _intake(database: str, test_stack: Any, keys: dict[str, bytes] | None = None, current: str | None = None
            ) -> Intake:
    extra: dict[str, Any] = {}
    if keys is not None:
        extra["data_keys"] = SecretStr(json.dumps({k: base64.b64encode(v).decode() for k, v in keys.items()}))
        extra["data_key_id"] = current
    return Intake(IntakeSettings(DATABASE_URL=database, KAFKA_BOOTSTRAP_SERVERS=test_stack.bootstrap, **extra))


async def _submit(intake: Intake, nhs: str = NHS, given: str = "Cipherchild") -> tuple[str, uuid.UUID]:
    body = a_concern(given_name=given)
    body["child"]["nhs_number"] = nhs
    accepted = await intake.submit(Submission(ConcernIn.model_validate(body), "api", "erasure-test"))
    return accepted.reference, accepted.concern_id


async def _row(intake: Intake, table: sa.Table, **where: Any) -> list[Any]:
    async with intake.runtime.engine.connect() as conn:
        clauses = [table.c[k] == v for k, v in where.items()]
        return list((await conn.execute(sa.select(table).where(*clauses))).all())


async def _details(intake: Intake, reference: str) -> dict[str, Any]:
    async with intake.runtime.engine.connect() as conn:
        concern = await ConcernRepository(conn, intake.keyring).get(reference, open_details=True)
    assert concern is not None
    return concern.details


async def test_a_concern_s_details_are_stored_only_encrypted_under_its_own_data_key(database, test_stack) -> None:  # type: ignore[no-untyped-def]
    intake = _intake(database, test_stack)
    reference, concern_id = await _submit(intake)
    (row,) = await _row(intake, orm.concern, id=concern_id)
    assert row.details_encrypted.startswith("fd1.")
    for identifier in (NHS, "Cipherchild", "Testchild", "grace.testparent", "frustrated"):
        assert identifier not in row.details_encrypted
    (key,) = await _row(intake, orm.data_key, owner_id=concern_id)
    assert key.kek_id == "dev"
    assert (await _details(intake, reference))["child"]["nhs_number"] == NHS
    with pytest.raises(CannotDecrypt):  # another concern's key cannot open it
        decrypt_json(os.urandom(32), row.details_encrypted, purpose=DETAILS, owner=concern_id)


async def test_keys_rotate_while_running_and_the_old_key_can_then_be_retired(test_stack) -> None:  # type: ignore[no-untyped-def]
    database = await asyncio.to_thread(fresh_database, test_stack)  # every data key in it is under "old"
    old, new = os.urandom(32), os.urandom(32)
    before = _intake(database, test_stack, {"old": old}, "old")
    reference, concern_id = await _submit(before, given="Rotatechild")
    during = _intake(database, test_stack, {"old": old, "new": new}, "new")
    assert (await _details(during, reference))["child"]["given_name"] == "Rotatechild"  # reads the old key
    assert await during.rotate_keys() >= 1
    assert await during.rotate_keys() == 0
    (key,) = await _row(during, orm.data_key, owner_id=concern_id)
    assert key.kek_id == "new"
    after = _intake(database, test_stack, {"new": new}, "new")
    assert (await _details(after, reference))["child"]["given_name"] == "Rotatechild"
    with pytest.raises(CannotDecrypt):
        await _details(before, reference)  # the retired key alone opens nothing any more


async def test_erasing_a_child_shreds_every_concern_about_them_and_tells_the_other_services(  # type: ignore[no-untyped-def]
        database, test_stack) -> None:
    intake = _intake(database, test_stack)
    first, first_id = await _submit(intake, nhs="9990000034", given="Erasechild")
    second, second_id = await _submit(intake, nhs="9990000034", given="Erasechild")  # the same child again
    other, other_id = await _submit(intake, nhs=OTHER_NHS, given="Keepchild")

    erased = await intake.erase(second, DPO, "subject access and erasure request 42", "api")

    assert sorted(erased) == sorted([first, second])
    for concern_id in (first_id, second_id):
        (row,) = await _row(intake, orm.concern, id=concern_id)
        assert (row.status, row.details_encrypted, row.linked_concern_ids) == ("erased", None, [])
        assert row.erased_at is not None
        assert await _row(intake, orm.data_key, owner_id=concern_id) == []  # crypto-shredded
        assert await _row(intake, orm.child_match, concern_id=concern_id) == []
        assert await _row(intake, orm.idempotency, concern_id=concern_id) == []
        assert all(h.detail in ({}, {"reason": "erasure-request"})
                   for h in await _row(intake, orm.status_history, concern_id=concern_id))
        outbox = await _row(intake, intake.runtime.tables.outbox, key=str(concern_id))
        assert [o.event_type for o in outbox] == [ConcernErasedV1.TYPE]  # its past events are gone
        assert b"9990000034" not in bytes(outbox[0].payload)
        assert b"Erasechild" not in bytes(outbox[0].payload)
    audit_lines = await _row(intake, orm.audit, concern_id=second_id)
    assert [(a.action, a.actor, a.actor_role) for a in audit_lines][-1] == ("erase", "dpo-1",
                                                                             "data-protection-officer")
    assert (await _details(intake, other))["child"]["given_name"] == "Keepchild"  # another child is untouched
    (kept,) = await _row(intake, orm.data_key, owner_id=other_id)
    assert kept is not None

    assert await intake.erase(first, DPO, "again", "api") == []  # erasing again changes nothing
    with pytest.raises(UnknownReference):
        await intake.erase("FD-0000-0000", DPO, "no such concern", "api")


async def test_a_late_status_event_about_an_erased_concern_writes_nothing(database, test_stack) -> None:  # type: ignore[no-untyped-def]
    intake = _intake(database, test_stack)
    reference, concern_id = await _submit(intake, nhs="9990000042", given="Latechild")
    await intake.erase(reference, DPO, "request", "api")
    late = ConcernTriagedV1(concern_id=concern_id, reference=reference, triaged_at=datetime.now(UTC),
                            outcome="routed", pathway="slcn", priority="routine", reasons=[], missing=[],
                            policy_version="test", need_codes=["SLCN"], ranges=[], age_in_months=30)
    await record_status(intake.runtime.uow(), new_event(late, source="urn:test", subject=reference), late,
                        late.TOPIC)
    (row,) = await _row(intake, orm.concern, id=concern_id)
    assert row.status == "erased"
    assert [h.status for h in await _row(intake, orm.status_history, concern_id=concern_id)] == [
        "submitted", "erased"]


async def test_retention_erases_only_concerns_finished_longer_ago_than_the_setting(database, test_stack) -> None:  # type: ignore[no-untyped-def]
    intake = _intake(database, test_stack)
    now = datetime.now(UTC)
    old_routed = (await _submit(intake, nhs="9990000050", given="Oldchild"))[1]
    new_routed = (await _submit(intake, nhs="9990000069", given="Newchild"))[1]
    old_open = (await _submit(intake, nhs="9990000077", given="Openchild"))[1]
    async with intake.runtime.engine.begin() as conn:
        for concern_id, status, age in ((old_routed, "routed", 40), (new_routed, "routed", 5),
                                        (old_open, "listed-for-panel", 40)):
            await conn.execute(sa.update(orm.concern).where(orm.concern.c.id == concern_id)
                               .values(status=status, updated_at=now - timedelta(days=age)))

    erased = await sweep_retention(intake.runtime.uow(), intake.runtime.tables, now, keep_for=timedelta(days=30))

    assert erased >= 1
    statuses = {cid: (await _row(intake, orm.concern, id=cid))[0].status for cid in (old_routed, new_routed, old_open)}
    assert statuses == {old_routed: "erased", new_routed: "routed", old_open: "listed-for-panel"}
    (line,) = [a for a in await _row(intake, orm.audit, concern_id=old_routed) if a.action == "erase"]
    assert (line.actor, line.channel) == ("system", "retention")
    (event,) = await _row(intake, intake.runtime.tables.outbox, key=str(old_routed))
    assert json.loads(bytes(event.payload))["data"]["reason"] == "retention-expired"


def _downgrade(url: str, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["url"], cfg.attributes["schema"] = url, "intake"
    command.downgrade(cfg, revision)




async def test_0005_encrypts_concerns_stored_in_the_clear_and_can_be_undone(test_stack) -> None:  # type: ignore[no-untyped-def]
    url = await empty_database(test_stack.database_url)
    await asyncio.to_thread(upgrade, MIGRATIONS, url, "intake", "0004")
    details = a_concern(given_name="Legacychild")
    concern_id, now = uuid.uuid4(), datetime.now(UTC)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO intake.concern (id, reference, channel, status, details, submitted_at, updated_at)"
            " VALUES ($1, 'FD-LEGA-CY01', 'api', 'submitted', $2::jsonb, $3, $3)", concern_id, json.dumps(details), now)
        await asyncio.to_thread(upgrade, MIGRATIONS, url, "intake")
        columns = {r["column_name"] for r in await conn.fetch(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = 'intake' AND table_name = 'concern'")}
        row = await conn.fetchrow("SELECT c.details_encrypted, k.wrapped FROM intake.concern c "
                                  "JOIN intake.data_key k ON k.owner_id = c.id")
        await asyncio.to_thread(_downgrade, url, "0004")
        restored = await conn.fetchval("SELECT details::text FROM intake.concern")
    finally:
        await conn.close()
    assert "details" not in columns
    assert "Legacychild" not in row["details_encrypted"]
    keyring: Keyring = keyring_of(IntakeSettings())
    opened = decrypt_json(keyring.unwrap(row["wrapped"], concern_id), row["details_encrypted"], purpose=DETAILS,
                          owner=concern_id)
    assert opened == details
    assert json.loads(restored) == details


def test_the_operator_generates_keys_and_rotates_them_with_the_cli(test_stack, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from frontdoor_cli.main import app

    generated = CliRunner().invoke(app, ["keys", "generate"])
    assert generated.exit_code == 0, generated.output
    lines = dict(line.split("=", 1) for line in generated.output.splitlines() if "=" in line)
    new_keys, new_id = lines["INTAKE_DATA_KEYS"].strip("'"), lines["INTAKE_DATA_KEY_ID"]
    (new,) = json.loads(new_keys).values()
    database, old = fresh_database(test_stack), os.urandom(32)

    async def submit_under_old_key() -> str:
        intake = _intake(database, test_stack, {"old": old}, "old")
        try:
            return (await _submit(intake, given="Clichild"))[0]
        finally:
            await intake.runtime.engine.dispose()

    reference = asyncio.run(submit_under_old_key())
    both = {"old": base64.b64encode(old).decode(), new_id: new}
    monkeypatch.setenv("DATABASE_URL", database)
    monkeypatch.setenv("INTAKE_DATA_KEYS", json.dumps(both))
    monkeypatch.setenv("INTAKE_DATA_KEY_ID", new_id)

    rotated = CliRunner().invoke(app, ["keys", "rotate"])

    assert rotated.exit_code == 0, rotated.output
    assert "intake: 1 data key(s) re-wrapped, 0 still under an older key" in rotated.output

    async def read_with_new_key_only() -> str:
        intake = Intake(IntakeSettings(DATABASE_URL=database, KAFKA_BOOTSTRAP_SERVERS=test_stack.bootstrap,
                                       data_keys=SecretStr(json.dumps({new_id: new})), data_key_id=new_id))
        try:
            return str((await _details(intake, reference))["child"]["given_name"])
        finally:
            await intake.runtime.engine.dispose()

    assert asyncio.run(read_with_new_key_only()) == "Clichild"
