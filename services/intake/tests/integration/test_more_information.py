"""The referrer's answer to triage's request for more information, on the real PostgreSQL: only
while the council waits for it; the details stored encrypted as they now stand; the history, the
audit trail and one `concern-updated` event (codes and numbers, no free text) in one transaction;
a rule across the concern's parts still holds; the watchdog re-drives an answer triage never took."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from frontdoor_cli.testing import fresh_database
from frontdoor_shared.auth import Principal
from frontdoor_shared.contracts import ConcernTriagedV1, ConcernUpdatedV1, ConcernWithdrawnV1
from frontdoor_shared.envelope import new_event
from intake.adapters import orm
from intake.adapters.repository import ConcernRepository
from intake.bootstrap import Intake
from intake.config import IntakeSettings
from intake.service_layer.revise import NotAwaitingInformation
from intake.service_layer.schemas import ConcernDetail, ConcernIn
from intake.service_layer.status import record_status
from intake.service_layer.submit import Submission
from intake.service_layer.watchdog import WatchdogCounters, sweep
from intake.service_layer.withdraw import NotWithdrawable, UnknownReason
from tests.support import a_concern

pytestmark = pytest.mark.integration
VISITOR = Principal("health-visitor-1", "staff", "referrer")
NOTE = "Sessions with Ms Okafor since half term; Amara now points to ask."


@pytest.fixture(scope="module")
def intake(test_stack: Any) -> Intake:
    database = fresh_database(test_stack)
    return Intake(IntakeSettings(DATABASE_URL=database, KAFKA_BOOTSTRAP_SERVERS=test_stack.bootstrap))


def _thin() -> dict[str, Any]:
    body = a_concern()
    body["concern"] |= {"tried": [], "screening": []}
    return body


async def _asked(intake: Intake, outcome: str = "more-information-needed") -> tuple[uuid.UUID, str]:
    accepted = await intake.submit(Submission(ConcernIn.model_validate(_thin()), "api", VISITOR.subject))
    triaged = ConcernTriagedV1(concern_id=accepted.concern_id, reference=accepted.reference,
                               triaged_at=datetime.now(UTC), outcome=outcome, priority="routine",
                               missing=["A WellComm or ASQ-3 screening result"] if outcome != "routed" else [],
                               pathway="slcn" if outcome == "routed" else None, policy_version="t")
    await record_status(intake.runtime.uow(), new_event(triaged, source="urn:test", subject=accepted.reference),
                        triaged, triaged.TOPIC)
    return accepted.concern_id, accepted.reference


def _answer(**changes: Any) -> ConcernDetail:
    about = _thin()["concern"] | {"tried": [{"what": NOTE, "weeks": 9}],
                                  "screening": [{"tool": "WellComm", "outcome": "red", "area": "C&I"}]}
    return ConcernDetail.model_validate(about | changes)


async def _updated_events(intake: Intake, concern_id: uuid.UUID) -> list[dict[str, Any]]:
    o = intake.runtime.tables.outbox
    async with intake.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(o.c.payload).where(o.c.key == str(concern_id),
                                                                o.c.event_type == ConcernUpdatedV1.TYPE)
                                   .order_by(o.c.id))).all()
    return [json.loads(r.payload) for r in rows]


async def test_an_answer_is_stored_encrypted_recorded_audited_and_published_once(intake: Intake) -> None:
    concern_id, reference = await _asked(intake)

    revised = await intake.add_information(reference, _answer(), VISITOR, "form")

    assert revised.revision == 2
    async with intake.runtime.engine.connect() as conn:
        concern = await ConcernRepository(conn, intake.keyring).get(reference, open_details=True)
        stored = await conn.scalar(sa.select(orm.concern.c.details_encrypted).where(orm.concern.c.id == concern_id))
        audit = (await conn.execute(sa.select(orm.audit.c.actor, orm.audit.c.action, orm.audit.c.channel)
                                    .where(orm.audit.c.reference == reference, orm.audit.c.action == "add-information")
                                    )).all()
    assert concern is not None
    assert concern.status == "information-added"
    assert concern.details["concern"]["tried"] == [{"what": NOTE, "weeks": 9}]
    assert concern.details["child"]["given_name"] == "Amara"  # the rest of the concern as it was
    assert "Okafor" not in stored  # encrypted at rest, as at submission
    assert [(h.status, h.detail) for h in concern.history][-1] == ("information-added", {"revision": 2})
    assert [tuple(a) for a in audit] == [("health-visitor-1", "add-information", "form")]
    [event] = await _updated_events(intake, concern_id)
    data = event["data"]
    assert (data["revision"], data["tried_for_weeks"], data["need_codes"]) == (2, 9, ["SLCN"])
    assert data["screening"] == [{"tool": "WellComm", "outcome": "red", "area": "C&I"}]
    assert data["age_in_months"] == 30
    wire = json.dumps(event)
    assert "Okafor" not in wire
    assert "Amara" not in wire
    # the child's NHS number in either form (not "999" alone: ids and times can hold it by chance)
    assert "9990000018" not in wire
    assert "999 000 0018" not in wire


async def test_the_council_must_be_waiting_for_the_answer(intake: Intake) -> None:
    concern_id, reference = await _asked(intake, outcome="routed")
    with pytest.raises(NotAwaitingInformation):
        await intake.add_information(reference, _answer(), VISITOR, "api")
    assert await _updated_events(intake, concern_id) == []

    asked_id, asked = await _asked(intake)
    await intake.add_information(asked, _answer(), VISITOR, "api")
    with pytest.raises(NotAwaitingInformation):  # answered: until triage asks again
        await intake.add_information(asked, _answer(), VISITOR, "api")
    assert len(await _updated_events(intake, asked_id)) == 1


async def test_two_answers_at_once_store_one(intake: Intake) -> None:
    concern_id, reference = await _asked(intake)
    outcomes = await asyncio.gather(*(intake.add_information(reference, _answer(), VISITOR, "api")
                                      for _ in range(2)), return_exceptions=True)
    assert sorted(type(o).__name__ for o in outcomes) == ["NotAwaitingInformation", "Revised"]
    assert len(await _updated_events(intake, concern_id)) == 1


async def test_an_nhs_referrer_must_still_say_whether_the_parent_was_told(intake: Intake) -> None:
    concern_id, reference = await _asked(intake)
    with pytest.raises(ValidationError, match="parent_informed"):
        await intake.add_information(reference, _answer(parent_informed=None), VISITOR, "api")
    async with intake.runtime.engine.connect() as conn:
        status = await conn.scalar(sa.select(orm.concern.c.status).where(orm.concern.c.id == concern_id))
    assert status == "more-information-needed"  # nothing stored
    assert await _updated_events(intake, concern_id) == []


async def test_the_watchdog_redrives_an_answer_triage_never_took(intake: Intake) -> None:
    concern_id, reference = await _asked(intake)
    await intake.add_information(reference, _answer(), VISITOR, "api")
    o = intake.runtime.tables.outbox
    async with intake.runtime.engine.begin() as conn:
        await conn.execute(sa.update(o).values(published_at=sa.func.now()))

    await sweep(intake.runtime.engine, intake.runtime.tables, datetime.now(UTC) + timedelta(hours=1),
                overdue_after=timedelta(minutes=15), raise_after=3, counters=WatchdogCounters())

    async with intake.runtime.engine.connect() as conn:
        again = (await conn.execute(sa.select(o.c.event_type).where(o.c.key == str(concern_id),
                                                                    o.c.published_at.is_(None)))).scalars().all()
    assert again == [ConcernUpdatedV1.TYPE]


async def test_a_withdrawal_is_recorded_audited_and_published_with_a_code_only_once(intake: Intake) -> None:
    concern_id, reference = await _asked(intake)
    await intake.withdraw(reference, "family-declined", VISITOR, "form")

    o = intake.runtime.tables.outbox
    async with intake.runtime.engine.connect() as conn:
        status = await conn.scalar(sa.select(orm.concern.c.status).where(orm.concern.c.id == concern_id))
        audit = (await conn.execute(sa.select(orm.audit.c.actor, orm.audit.c.action, orm.audit.c.why)
                                    .where(orm.audit.c.reference == reference, orm.audit.c.action == "withdraw"))).all()
        payloads = (await conn.scalars(sa.select(o.c.payload).where(
            o.c.key == str(concern_id), o.c.event_type == ConcernWithdrawnV1.TYPE))).all()
    assert status == "withdrawn"
    assert [tuple(a) for a in audit] == [("health-visitor-1", "withdraw", "withdrawn: family-declined")]
    [event] = [json.loads(p) for p in payloads]
    assert (event["data"]["reason"], event["data"]["reason_text"]) == (
        "family-declined", "the family decided they do not want extra help at the moment")
    assert "Amara" not in json.dumps(event)

    with pytest.raises(NotWithdrawable):  # withdrawn for good
        await intake.withdraw(reference, "raised-in-error", VISITOR, "form")
    with pytest.raises(NotAwaitingInformation):  # and nothing more is added to it
        await intake.add_information(reference, _answer(), VISITOR, "form")
    routed_id, routed = await _asked(intake, outcome="routed")
    with pytest.raises(NotWithdrawable, match="only a concern the council has not yet decided on"):
        await intake.withdraw(routed, "needs-met", VISITOR, "api")
    asked_id, asked = await _asked(intake)
    with pytest.raises(UnknownReason):
        await intake.withdraw(asked, "changed my mind", VISITOR, "api")
    async with intake.runtime.engine.connect() as conn:
        left = await conn.scalar(sa.select(sa.func.count()).select_from(o).where(
            o.c.key.in_([str(routed_id), str(asked_id)]), o.c.event_type == ConcernWithdrawnV1.TYPE))
    assert left == 0
