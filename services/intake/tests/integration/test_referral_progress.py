"""The routed team's reports, against the real PostgreSQL: each is a history line and one event in
the same transaction; the latest report is where the referral stands (a team may accept after
declining); the same report twice is nothing new; a concern not routed has no team to report."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from frontdoor_cli.testing import fresh_database
from frontdoor_shared.auth import Principal
from frontdoor_shared.contracts import ConcernTriagedV1, ReferralProgressedV1
from frontdoor_shared.envelope import new_event
from intake.bootstrap import Intake
from intake.config import IntakeSettings
from intake.service_layer.progress import BadDay, NotProgressable, ProgressIn, report_progress
from intake.service_layer.schemas import ConcernIn
from intake.service_layer.status import record_status
from intake.service_layer.submit import Submission
from tests.support import a_concern

pytestmark = pytest.mark.integration
TEAM = Principal("slcn-team", "partner", scopes=frozenset({"referrals:slcn:update"}))


async def _concern(intake: Intake, nhs: str, *, routed: bool) -> Any:
    body = a_concern(given_name=f"Progress{nhs[-3:]}")
    body["child"]["nhs_number"] = nhs
    accepted = await intake.submit(Submission(ConcernIn.model_validate(body), "api", "hv-1"))
    if routed:
        data = ConcernTriagedV1(concern_id=accepted.concern_id, reference=accepted.reference,
                                triaged_at=datetime.now(UTC), outcome="routed", pathway="slcn", priority="routine",
                                reasons=[], missing=[], policy_version="t", need_codes=["SLCN"], ranges=[],
                                age_in_months=30)
        await record_status(intake.runtime.uow(), new_event(data, source="urn:test", subject=data.reference), data,
                            data.TOPIC)
    return accepted


async def test_the_teams_latest_report_is_where_the_referral_stands(test_stack) -> None:  # type: ignore[no-untyped-def]
    database = await asyncio.to_thread(fresh_database, test_stack)
    intake = Intake(IntakeSettings(DATABASE_URL=database, KAFKA_BOOTSTRAP_SERVERS=test_stack.bootstrap))
    routed = await _concern(intake, "9990000018", routed=True)
    waiting = await _concern(intake, "9990000026", routed=False)
    soon = date.today() + timedelta(days=7)

    def report(reference: str, **body: Any) -> Any:
        return report_progress(intake.runtime.uow(), reference, ProgressIn.model_validate(body), actor=TEAM)

    declined = await report(routed.reference, stage="declined", reason="out-of-area")
    again = await report(routed.reference, stage="declined", reason="out-of-area")
    accepted = await report(routed.reference, stage="accepted", contact_by=soon.isoformat())
    assert (declined.status, declined.recorded) == ("referral-declined", True)
    assert (again.status, again.recorded) == ("referral-declined", False)
    assert (accepted.status, accepted.recorded) == ("referral-accepted", True)  # the team thought again
    # a report and its retry at once, while something else holds the concern: both wait, and then
    # the second finds the first's line (each reads the history only once it holds the concern)
    later = (soon + timedelta(days=1)).isoformat()
    async with intake.runtime.engine.connect() as holder:
        held = await holder.begin()
        await holder.execute(sa.text("SELECT 1 FROM intake.concern WHERE id = :id FOR UPDATE"),
                             {"id": routed.concern_id})
        both = [asyncio.create_task(report(routed.reference, stage="accepted", contact_by=later)) for _ in (1, 2)]
        await asyncio.sleep(1.0)  # both have read what they read before the lock, and wait on it
        await held.commit()
    retried = await asyncio.gather(*both)
    assert sorted(r.recorded for r in retried) == [False, True]
    with pytest.raises(NotProgressable):
        await report(waiting.reference, stage="accepted")
    with pytest.raises(BadDay, match="appointment_on"):
        await report(routed.reference, stage="appointment-booked", appointment_on="2020-01-06")

    outbox = intake.runtime.tables.outbox
    async with intake.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(outbox.c.key, outbox.c.payload).where(
            outbox.c.event_type == ReferralProgressedV1.TYPE).order_by(outbox.c.id))).all()
        status = await conn.scalar(sa.text("SELECT status FROM intake.concern WHERE id = :id"),
                                   {"id": routed.concern_id})
    events = [json.loads(r.payload)["data"] for r in rows]
    assert [r.key for r in rows] == [str(routed.concern_id)] * 3
    assert [(e["stage"], e["reason"], e["contact_by"]) for e in events] == [
        ("declined", "out-of-area", None), ("accepted", None, soon.isoformat()),
        ("accepted", None, (soon + timedelta(days=1)).isoformat())]
    assert events[0]["reason_text"] == "the family lives outside the area the team covers"
    assert uuid.UUID(events[1]["concern_id"]) == routed.concern_id
    assert status == "referral-accepted"


def test_each_stage_takes_its_own_day_or_reason_and_no_other() -> None:
    from pydantic import ValidationError

    for body, field in (({"stage": "declined"}, "reason"), ({"stage": "appointment-booked"}, "appointment_on"),
                        ({"stage": "accepted", "reason": "out-of-area"}, "reason"),
                        ({"stage": "declined", "reason": "no-reason"}, "reason"),
                        ({"stage": "accepted", "appointment_on": "2027-01-20"}, "appointment_on"),
                        ({"stage": "accepted", "name": "Amara"}, "name")):
        with pytest.raises(ValidationError) as refused:
            ProgressIn.model_validate(body)
        assert [e["loc"] for e in refused.value.errors()] == [(field,)], body  # the error names its field
    assert ProgressIn.model_validate({"stage": "accepted"}).detail("slcn") == {"pathway": "slcn", "stage": "accepted"}
