"""Every read and change of a child's record is in the append-only audit trail."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from frontdoor_cli.main import app
from frontdoor_cli.ops import audit_history
from frontdoor_shared.db import make_engine
from tests.support import a_concern, auth, post_concern, status_of, wait_for

pytestmark = pytest.mark.e2e


def test_the_audit_lists_every_read_made_of_a_concern(platform, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    reference = post_concern(platform, a_concern()).json()["reference"]
    for _ in range(2):
        status_of(platform, reference)
    wait_for(lambda: any(r["action"].startswith("status:")
                         for r in asyncio.run(audit_history(platform.database_url, reference))), 60, "status audited")
    rows = asyncio.run(audit_history(platform.database_url, reference))
    actions = [r["action"] for r in rows]
    assert actions[0] == "create"
    assert actions.count("read-status") == 2
    assert all(r["actor"] == "demo-partner" for r in rows if r["action"] == "read-status")
    monkeypatch.setenv("DATABASE_URL", platform.database_url)
    printed = CliRunner().invoke(app, ["audit", "--reference", reference])
    assert printed.exit_code == 0
    printed_count = re.search(r"(\d+) audit line\(s\) for " + reference, printed.output)
    assert printed_count is not None
    assert int(printed_count.group(1)) >= len(rows)  # more status events may have landed since


def test_the_purpose_audited_is_a_code_never_free_text(platform) -> None:  # type: ignore[no-untyped-def]
    reference = post_concern(platform, a_concern()).json()["reference"]
    url = f"http://127.0.0.1:{platform.ports['intake']}/api/v1/concerns/{reference}"
    refused = httpx.get(url, headers={**auth(platform), "X-Purpose": "checking how Ava Smith is doing"}, timeout=10)
    assert refused.status_code == 422
    assert refused.json()["title"] == "The request could not be answered"  # a read, not a refused concern
    [problem] = refused.json()["errors"]
    assert problem["field"].lower() == "x-purpose"
    assert "status-enquiry" in problem["reason"]
    assert "Ava" not in refused.text
    read = httpx.get(url, headers={**auth(platform), "X-Purpose": "complaint CMP-2026-3"}, timeout=10)
    assert read.status_code == 200, read.text
    whys = [r["why"] for r in asyncio.run(audit_history(platform.database_url, reference))
            if r["action"] == "read-status"]
    assert whys == ["complaint CMP-2026-3"]  # the refused read was not made, so not audited


def test_the_audit_trail_cannot_be_changed_or_deleted(platform) -> None:  # type: ignore[no-untyped-def]
    async def tamper(statement: str) -> str:
        engine = make_engine(platform.database_url, pool_size=1)
        try:
            async with engine.begin() as conn:
                await conn.execute(sa.text(statement))
            return "changed"
        except sa.exc.DBAPIError as err:
            return str(err.orig)
        finally:
            await engine.dispose()

    assert "append-only" in asyncio.run(tamper("UPDATE intake.audit SET why = 'nothing to see'"))
    assert "append-only" in asyncio.run(tamper("DELETE FROM intake.audit"))
