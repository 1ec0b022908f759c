"""Data at rest and erasure, across the four services as processes.

A dump of the whole database (pg_dump, every schema) after a full flow, the panel's decision with
a note naming the child and the carer included, holds none of the child's or family's identifiers
in any form; and a data protection officer's erasure reaches every
service: intake's data key destroyed, triage's result, the panel's case, the family's messages,
contact details and private link all gone.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import string
import subprocess
from datetime import date
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from frontdoor_shared.auth import AuthSettings, Principal, Tokens
from frontdoor_shared.db import make_engine
from intake.domain.checks import CheckFailed, normalise_upn
from tests.support import a_concern, auth, decide_as_chair, mailbox, post_concern, status_of, wait_for

pytestmark = pytest.mark.e2e

GIVEN, FAMILY, CARER, CARER_FAMILY = "Ottilierest", "Vandersloot", "Perpetuarest", "Quennellrest"
NHS, NHS_SPACED = "9990000174", "999 000 0174"
DOB = date(2023, 4, 17)
POSTCODE, ADDRESS = "SW1A 0AA", "17 Wisteria Crescent"
PHONE, EMAIL = "07700 900461", "perpetua.rest@example.com"
REFERRER_EMAIL = "dumpcheck.referrer@nhs.example"
DESCRIPTION = "Hums the shipping forecast and rarely points at objects"
NOTE_PHRASE = "semolina tantrums at lunchtime"


def _upn(body: str = "201199999917") -> str:
    for letter in string.ascii_uppercase:
        try:
            return normalise_upn(letter + body)
        except CheckFailed:
            continue
    raise AssertionError("no check letter fits")


UPN = _upn()
IDENTIFIERS = [GIVEN, FAMILY, CARER, CARER_FAMILY, NHS, NHS_SPACED, UPN, DOB.isoformat(), DOB.strftime("%d/%m/%Y"),
               POSTCODE, ADDRESS, PHONE, PHONE.replace(" ", ""), EMAIL, REFERRER_EMAIL, DESCRIPTION,
               "shipping forecast", NOTE_PHRASE]
PANEL_NOTE = f"{GIVEN}'s carer {CARER} told the panel about {NOTE_PHRASE}; the plan is helping."


def _seeded() -> dict[str, Any]:
    body = a_concern(given_name=GIVEN)
    body["child"].update(family_name=FAMILY, nhs_number=NHS_SPACED, upn=UPN, postcode=POSTCODE.lower(),
                         date_of_birth=DOB.isoformat())
    body["family"]["carers"][0].update(given_name=CARER, family_name=CARER_FAMILY, email=EMAIL, phone=PHONE,
                                       address=f"{ADDRESS}, Testtown, {POSTCODE}")
    body["referrer"]["email"] = REFERRER_EMAIL
    body["concern"]["description"] = f"{DESCRIPTION} since the spring."
    return body


def _pg_dump(database_url: str) -> str:
    from frontdoor_cli.stack import _pg_bin

    binary = _pg_bin("pg_dump")
    if not os.path.exists(binary):
        binary = shutil.which("pg_dump") or binary
    url = database_url.replace("postgresql+asyncpg://", "postgresql://")
    dumped = subprocess.run([binary, "--no-owner", "--no-privileges", f"--dbname={url}"], capture_output=True,
                            text=True, timeout=120, check=True)
    return dumped.stdout


def _hits(dump: str) -> dict[str, int]:
    """Each identifier, as text in any case, or hex-encoded as PostgreSQL dumps a bytea column."""
    lowered = dump.lower()
    return {i: lowered.count(i.lower()) + lowered.count(i.encode().hex()) for i in IDENTIFIERS}


def _flow_done(platform: Any, reference: str) -> bool:
    return any(m["audience"] == "family" and "case-listed" in m["template"] for m in mailbox(platform, reference))


def test_a_dump_of_the_whole_database_holds_no_identifier_after_a_full_flow(platform) -> None:  # type: ignore[no-untyped-def]
    accepted = post_concern(platform, _seeded())
    assert accepted.status_code == 202, accepted.text
    reference = accepted.json()["reference"]
    wait_for(lambda: _flow_done(platform, reference), 90, "the flow completes")
    decide_as_chair(platform, reference, PANEL_NOTE)  # the chair's note names the child and the carer
    wait_for(lambda: any(PANEL_NOTE in m["body"] for m in mailbox(platform, reference)
                         if m["template"] == "family/panel-decision"), 90, "the family told, with the note")
    # the seed went through: the services themselves still read the details they hold
    assert any(GIVEN in m["body"] for m in mailbox(platform, reference))
    assert any(m["to"] == f"email:{EMAIL}" for m in mailbox(platform, reference))

    dump = _pg_dump(platform.database_url)

    assert reference in dump  # the dump is of this platform's database
    assert "notifications.message" in dump
    assert _hits(dump) == dict.fromkeys(IDENTIFIERS, 0), "identifiers in the clear in a database dump"


def _dpo() -> dict[str, str]:
    token = Tokens(AuthSettings()).issue(Principal("dpo-e2e", "staff", "data-protection-officer"))
    return {"Authorization": f"Bearer {token}", "X-Purpose": "erasure-request DP-2026-17"}


async def _left_for(database_url: str, concern_id: Any) -> dict[str, int]:
    """Rows about the concern, per table, in every service's schema (data keys by owner)."""
    queries = {
        "intake.data_key": "SELECT count(*) FROM intake.data_key WHERE owner_id = :c",
        "intake.details": "SELECT count(*) FROM intake.concern WHERE id = :c AND details_encrypted IS NOT NULL",
        "intake.child_match_key": "SELECT count(*) FROM intake.child_match_key WHERE concern_id = :c",
        "triage.triage_result": "SELECT count(*) FROM triage.triage_result WHERE concern_id = :c",
        "triage.routing": "SELECT count(*) FROM triage.routing WHERE concern_id = :c",
        "early_years.panel_case": "SELECT count(*) FROM early_years.panel_case WHERE concern_id = :c",
        "notifications.data_key": "SELECT count(*) FROM notifications.data_key WHERE owner_id = :c",
        "notifications.message": "SELECT count(*) FROM notifications.message WHERE concern_id = :c",
        "notifications.recipient": "SELECT count(*) FROM notifications.recipient WHERE concern_id = :c",
        "notifications.status_link": "SELECT count(*) FROM notifications.status_link WHERE concern_id = :c",
        "notifications.journey": "SELECT count(*) FROM notifications.journey WHERE concern_id = :c",
    }
    engine = make_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return {name: int(await conn.scalar(sa.text(q), {"c": concern_id}) or 0) for name, q in queries.items()}
    finally:
        await engine.dispose()


async def _concern_id(database_url: str, reference: str) -> Any:
    engine = make_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return await conn.scalar(sa.text("SELECT id FROM intake.concern WHERE reference = :r"), {"r": reference})
    finally:
        await engine.dispose()


def test_erasing_a_child_reaches_every_service(platform) -> None:  # type: ignore[no-untyped-def]
    body = a_concern(given_name="Erasurechild")
    body["child"]["nhs_number"] = "9990000182"  # its own child: erasure takes every concern about them
    reference = post_concern(platform, body).json()["reference"]
    wait_for(lambda: _flow_done(platform, reference), 90, "the flow completes")
    concern_id = asyncio.run(_concern_id(platform.database_url, reference))
    before = asyncio.run(_left_for(platform.database_url, concern_id))
    assert all(before[t] for t in ("intake.data_key", "triage.triage_result", "early_years.panel_case",
                                   "notifications.message", "notifications.status_link")), before
    first = next(m for m in mailbox(platform, reference) if m["template"] == "family/concern-submitted")
    token = re.search(r"/status/([A-Za-z0-9_\-]+)", first["body"])
    assert token is not None
    link = f"http://127.0.0.1:{platform.ports['notifications']}/status/{token.group(1)}"
    assert httpx.get(link, timeout=10).status_code == 200
    url = f"http://127.0.0.1:{platform.ports['intake']}/api/v1/concerns/{reference}/erasure"

    assert httpx.post(url, headers=auth(platform), timeout=10).status_code == 403  # a partner may not erase
    erased = httpx.post(url, headers=_dpo(), timeout=30)

    assert erased.status_code == 200, erased.text
    assert reference in erased.json()["erased"]
    wait_for(lambda: not any(asyncio.run(_left_for(platform.database_url, concern_id)).values()), 60,
             "every service erased the concern")
    assert mailbox(platform, reference) == []
    assert httpx.get(link, timeout=10).status_code == 404  # the family's private link is dead
    assert status_of(platform, reference)["status"] == "erased"
    assert httpx.post(url, headers=_dpo(), timeout=30).json()["erased"] == []  # again: nothing left to do
