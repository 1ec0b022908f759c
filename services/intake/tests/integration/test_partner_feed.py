"""A partner system hears back on its own topic about each concern it sent, whatever the door: the
acceptance with the council's reference and the key it sent it under, each move of the status
after, nothing for messages to the family, nothing for concerns staff raised, and nothing for a
partner whose events the council turned off (real PostgreSQL: intake's outbox is what the relay
publishes)."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from frontdoor_cli.testing import fresh_database
from frontdoor_shared.auth import Principal
from frontdoor_shared.contracts import ConcernTriagedV1, NotificationSentV2, PartnerConcernStatusV1, SentMessage
from frontdoor_shared.envelope import CloudEvent, new_event
from intake.bootstrap import Intake
from intake.config import IntakeSettings
from intake.service_layer import accounts
from intake.service_layer.schemas import ConcernIn
from intake.service_layer.status import record_statuses
from intake.service_layer.submit import Submission
from tests.support import a_concern

pytestmark = pytest.mark.integration
NORTH = Principal("north-trust", "partner")
QUIET = Principal("quiet-trust", "partner")
HV = Principal("hv-1", "staff", "health-visitor")
DPO = Principal("dpo-1", "staff", "data-protection-officer")


def _concern(nhs: str) -> ConcernIn:
    body = a_concern(given_name=f"Feedchild{nhs[-3:]}")  # a different child each
    body["child"]["nhs_number"] = nhs
    return ConcernIn.model_validate(body)


async def _partner_events(intake: Intake) -> list[tuple[str, str, dict[str, Any]]]:
    """(topic, key, data) of every partner status event in intake's outbox, in order."""
    outbox = intake.runtime.tables.outbox
    async with intake.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(outbox.c.topic, outbox.c.key, outbox.c.payload)
                                   .where(outbox.c.event_type == PartnerConcernStatusV1.TYPE)
                                   .order_by(outbox.c.id))).all()
    out = []
    for r in rows:
        event = json.loads(r.payload)
        PartnerConcernStatusV1.model_validate(event["data"])  # every one valid against its contract
        out.append((r.topic, r.key, event["data"]))
    return out


def _triaged(cid: uuid.UUID, ref: str, at: datetime) -> tuple[CloudEvent, Any, str]:
    data = ConcernTriagedV1(concern_id=cid, reference=ref, triaged_at=at, outcome="routed", pathway="slcn",
                            priority="routine", reasons=[], missing=[], policy_version="t", need_codes=["SLCN"],
                            ranges=[], age_in_months=30)
    return new_event(data, source="urn:test", subject=ref).model_copy(update={"time": at}), data, data.TOPIC


def _told(cid: uuid.UUID, ref: str, at: datetime) -> tuple[CloudEvent, Any, str]:
    data = NotificationSentV2(concern_id=cid, reference=ref, about_event_type=ConcernTriagedV1.TYPE, messages=[
        SentMessage(message_id=uuid.uuid4(), audience="family", channel="email", template="family/concern-triaged",
                    status="sent", sent_at=at)])
    return new_event(data, source="urn:test", subject=ref), data, data.TOPIC


async def test_a_partner_hears_of_acceptance_and_each_move_and_no_one_else_does(test_stack) -> None:  # type: ignore[no-untyped-def]
    database = await asyncio.to_thread(fresh_database, test_stack)
    intake = Intake(IntakeSettings(DATABASE_URL=database, KAFKA_BOOTSTRAP_SERVERS=test_stack.bootstrap))
    engine = intake.runtime.engine
    await accounts.add_partner(engine, client_id="north-trust", name="North Trust", scopes=["concerns:write"])
    await accounts.add_partner(engine, client_id="quiet-trust", name="Quiet Trust", scopes=["concerns:write"],
                               status_events=False)

    by_event = await intake.submit(Submission(_concern("9990000018"), "partner", "north-trust", "north-trust",
                                              "event-7f3a", actor=NORTH))
    by_api = await intake.submit(Submission(_concern("9990000026"), "api", "north-trust", actor=NORTH))
    quiet = await intake.submit(Submission(_concern("9990000034"), "partner", "quiet-trust", "quiet-trust",
                                           "event-1", actor=QUIET))
    staff = await intake.submit(Submission(_concern("9990000042"), "form", "hv-1", actor=HV))

    accepted = await _partner_events(intake)
    assert [(t, k, d["status"], d["reference"], d["idempotency_key"]) for t, k, d in accepted] == [
        ("partner.north-trust.status.v1", "event-7f3a", "submitted", by_event.reference, "event-7f3a"),
        ("partner.north-trust.status.v1", by_api.reference, "submitted", by_api.reference, None),
    ]
    assert accepted[0][2]["detail"] == {"linked_to_open_concern": False}

    at = datetime.now(UTC) + timedelta(minutes=1)
    items = [_triaged(c.concern_id, c.reference, at) for c in (by_event, quiet, staff)]
    items += [_told(by_event.concern_id, by_event.reference, at + timedelta(seconds=5))]
    async with intake.runtime.batch_scope() as scope:
        await scope.claim((event, topic) for event, _, topic in items)
        await record_statuses(intake.runtime.uow(), items)
    await intake.withdraw(by_api.reference, "needs-met", NORTH, "api")
    await intake.erase(by_event.reference, DPO, "erasure-request", "api")

    later = (await _partner_events(intake))[2:]
    assert [(k, d["status"], d["reference"]) for _, k, d in later] == [
        ("event-7f3a", "routed", by_event.reference),  # the move; the family's message is not one
        (by_api.reference, "withdrawn", by_api.reference),
        ("event-7f3a", "erased", by_event.reference),  # told before its key was deleted with it
    ]
    routed = later[0][2]
    assert (routed["detail"]["outcome"], routed["detail"]["pathway"]) == ("routed", "slcn")
    assert datetime.fromisoformat(routed["at"]) == at
    assert later[1][2]["detail"] == {"reason": "needs-met"}
    assert all(t == "partner.north-trust.status.v1" for t, _, _ in later)


async def test_turning_a_partners_events_off_and_on_again(test_stack) -> None:  # type: ignore[no-untyped-def]
    database = await asyncio.to_thread(fresh_database, test_stack)
    intake = Intake(IntakeSettings(DATABASE_URL=database, KAFKA_BOOTSTRAP_SERVERS=test_stack.bootstrap))
    engine = intake.runtime.engine
    await accounts.add_partner(engine, client_id="north-trust", name="North Trust", scopes=["concerns:write"])
    assert await accounts.set_partner_status_events(engine, "north-trust", False) == "partner.north-trust.status.v1"
    await intake.submit(Submission(_concern("9990000018"), "api", "north-trust", actor=NORTH))
    assert await _partner_events(intake) == []
    await accounts.set_partner_status_events(engine, "north-trust", True)
    second = await intake.submit(Submission(_concern("9990000026"), "api", "north-trust", actor=NORTH))
    assert [d["reference"] for _, _, d in await _partner_events(intake)] == [second.reference]
    with pytest.raises(accounts.AccountRefused, match="client_id: no partner"):
        await accounts.set_partner_status_events(engine, "nobody", True)
