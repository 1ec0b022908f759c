"""The statutory clock on the whole platform: a concern the ranges policy routes to the statutory
pathway carries the day the council received it and the day it must decide whether to carry out
an EHC needs assessment (6 weeks later, SEND Regulations 2014 reg 5(1)) to the statutory team's
topic, and the family's letter and status page promise that date, not the pathway team's."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import date, datetime
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from frontdoor_shared import topics
from frontdoor_shared.statutory import assessment_decision_due, received_on
from tests.support import a_concern, mailbox, post_concern, status_of, wait_for

pytestmark = pytest.mark.e2e


async def _referral(bootstrap: str, reference: str, timeout: float = 20) -> dict[str, Any]:
    consumer = AIOKafkaConsumer(topics.referrals("statutory"), bootstrap_servers=bootstrap, group_id=None,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    data = json.loads(record.value)["data"]
                    if data["reference"] == reference:
                        return data  # type: ignore[no-any-return]
    finally:
        await consumer.stop()
    raise AssertionError(f"no statutory referral for {reference} within {timeout:.0f}s")


def test_a_concern_routed_to_the_statutory_pathway_carries_its_legal_date_to_the_team_and_the_family(
        platform, test_stack) -> None:  # type: ignore[no-untyped-def]
    body = a_concern(age_months=96, need_codes=("MLD",), given_name="Statutoryclock")
    body["child"]["nhs_number"] = "999 000 0050"
    body["referrer"]["role"] = "school-senco"
    body["concern"] |= {"ranges": [{"area": "C&L", "range": 5}], "screening": []}
    reference = post_concern(platform, body).json()["reference"]
    wait_for(lambda: status_of(platform, reference)["status"] == "routed", 60, "routed")
    submitted = datetime.fromisoformat(status_of(platform, reference)["submitted_at"])
    received = received_on(submitted)
    due = assessment_decision_due(received)
    long_due = f"{due.day} {due:%B %Y}"

    [routed] = [h for h in status_of(platform, reference)["history"] if h["status"] == "routed"]
    assert routed["detail"]["statutory_decision_due"] == due.isoformat()  # the referrer's history says it too

    referral = asyncio.run(_referral(test_stack.bootstrap, reference))
    assert (referral["pathway"], referral["decided_by"]) == ("statutory", "policy")
    assert (date.fromisoformat(referral["received_on"]), date.fromisoformat(referral["statutory_decision_due"])) == (
        received, due)

    def routed_letter() -> list[dict[str, Any]]:
        return [m for m in mailbox(platform, reference) if m["template"] == "family/concern-triaged-routed"]

    wait_for(lambda: len(routed_letter()) == 1, 60, "the family told")
    letter = routed_letter()[0]["body"]
    assert f"and write to tell you, by {long_due}." in letter
    assert "The law gives us 6 weeks from the day we received the concern" in letter

    [link] = [m for m in mailbox(platform, reference) if m["template"] == "family/concern-submitted"]
    token = re.search(r"/status/([A-Za-z0-9_\-]+)", link["body"])
    assert token is not None
    page = httpx.get(f"http://127.0.0.1:{platform.ports['notifications']}/status/{token.group(1)}", timeout=10)
    assert page.status_code == 200
    assert long_due in page.text
