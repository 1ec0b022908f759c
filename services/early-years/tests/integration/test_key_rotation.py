"""The chair's notes survive a key rotation done beside the running service: `frontdoor keys
rotate` re-wraps early years' data keys under the new key, after which the old one can go."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import SecretStr
from typer.testing import CliRunner

from early_years.adapters import orm
from early_years.bootstrap import EarlyYears
from early_years.config import EarlyYearsSettings
from frontdoor_cli.main import app
from frontdoor_cli.testing import fresh_database

pytestmark = pytest.mark.integration
NOTE = "Keychild's nursery has tried small-group work since September."


def _service(database: str, test_stack: Any, keys: dict[str, bytes], current: str) -> EarlyYears:
    return EarlyYears(EarlyYearsSettings(
        DATABASE_URL=database, KAFKA_BOOTSTRAP_SERVERS=test_stack.bootstrap, data_key_id=current,
        data_keys=SecretStr(json.dumps({k: base64.b64encode(v).decode() for k, v in keys.items()}))))


def test_a_note_written_under_the_old_key_is_read_under_the_new_one_after_rotation(  # type: ignore[no-untyped-def]
        test_stack, monkeypatch) -> None:
    database, old, new, concern_id = fresh_database(test_stack), os.urandom(32), os.urandom(32), uuid.uuid4()

    async def write(svc: EarlyYears) -> str | None:
        async with svc.runtime.engine.begin() as conn:
            token = await svc.notes.encrypt(conn, concern_id, NOTE)
        await svc.runtime.engine.dispose()
        return token

    async def read(svc: EarlyYears, token: str) -> dict[Any, str]:
        async with svc.runtime.engine.connect() as conn:
            wrapped_by = await conn.scalar(sa.select(orm.data_key.c.kek_id))
            notes = await svc.notes.read(conn, concern_id, [type("Decision", (), {"id": 1, "note": token})()])
        await svc.runtime.engine.dispose()
        return {"kek": wrapped_by, "note": notes[1]}

    token = asyncio.run(write(_service(database, test_stack, {"old": old}, "old")))
    assert token is not None
    monkeypatch.setenv("DATABASE_URL", database)
    monkeypatch.setenv("EARLY_YEARS_DATA_KEYS", json.dumps({"old": base64.b64encode(old).decode(),
                                                            "new": base64.b64encode(new).decode()}))
    monkeypatch.setenv("EARLY_YEARS_DATA_KEY_ID", "new")

    rotated = CliRunner().invoke(app, ["keys", "rotate"])

    assert rotated.exit_code == 0, rotated.output
    assert "early-years: 1 data key(s) re-wrapped, 0 still under an older key" in rotated.output
    assert asyncio.run(read(_service(database, test_stack, {"new": new}, "new"), token)) == {"kek": "new",
                                                                                            "note": NOTE}
