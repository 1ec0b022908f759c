"""The council's report read from the real PostgreSQL: the period's concerns by door and status,
the first decision's timing from their history, and the statutory decisions falling due (read
from the history lines' JSON), whenever the concern was received; withdrawn ones left out."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from frontdoor_cli.testing import fresh_database
from frontdoor_shared.auth import Principal
from frontdoor_shared.contracts import ConcernTriagedV1
from frontdoor_shared.envelope import new_event
from frontdoor_shared.statutory import received_on
from intake.adapters.repository import ConcernRepository
from intake.bootstrap import Intake
from intake.config import IntakeSettings
from intake.service_layer.report import front_door_report
from intake.service_layer.schemas import ConcernIn
from intake.service_layer.status import record_status
from intake.service_layer.submit import Submission
from tests.support import a_concern

pytestmark = pytest.mark.integration
VISITOR = Principal("health-visitor-1", "staff", "referrer")


@pytest.fixture(scope="module")
def intake(test_stack: Any) -> Intake:
    return Intake(IntakeSettings(DATABASE_URL=fresh_database(test_stack), KAFKA_BOOTSTRAP_SERVERS=test_stack.bootstrap))


async def _triaged(intake: Intake, channel: str, outcome: str, pathway: str | None = None,
                   due: date | None = None, withdrawn_first: bool = False, reference: str | None = None) -> str:
    if reference is None:
        accepted = await intake.submit(Submission(ConcernIn.model_validate(a_concern()), channel, VISITOR.subject,
                                                  idempotency_key=str(uuid.uuid4())))
    else:  # triaged again
        async with intake.runtime.engine.connect() as conn:
            concern = await ConcernRepository(conn).get(reference)
        assert concern is not None
        accepted = SimpleNamespace(concern_id=concern.id, reference=reference)
    if withdrawn_first:  # and triage's outcome arrives after: the history has the line, the status stays
        await intake.withdraw(accepted.reference, "moved-away", VISITOR, channel)
    triaged = ConcernTriagedV1(concern_id=accepted.concern_id, reference=accepted.reference,
                               triaged_at=datetime.now(UTC), outcome=outcome, priority="routine", pathway=pathway,
                               policy_version="t", statutory_decision_due=due,
                               missing=["A WellComm screening result"] if outcome == "more-information-needed" else [])
    await record_status(intake.runtime.uow(), new_event(triaged, source="urn:test", subject=accepted.reference),
                        triaged, triaged.TOPIC)
    return accepted.reference


async def test_the_report_counts_the_periods_concerns_and_lists_statutory_decisions_falling_due(
        intake: Intake) -> None:
    today = received_on(datetime.now(UTC))
    soon = await _triaged(intake, "api", "routed", "statutory", due=today + timedelta(days=10))
    later = await _triaged(intake, "form", "routed", "statutory", due=today + timedelta(days=40))
    await _triaged(intake, "form", "more-information-needed")
    await _triaged(intake, "api", "routed", "statutory", due=today + timedelta(days=3), withdrawn_first=True)
    overdue = await _triaged(intake, "fhir", "routed", "statutory", due=today - timedelta(days=5))
    moved = await _triaged(intake, "form", "routed", "statutory", due=today + timedelta(days=1))
    await _triaged(intake, "form", "routed", "sen-support", reference=moved)  # since sent elsewhere: not listed
    async with intake.runtime.engine.connect() as conn:
        report = await front_door_report(conn, today - timedelta(days=27), today, today)
        before = await front_door_report(conn, today - timedelta(days=60), today - timedelta(days=30), today)

    assert report.received == 6
    assert report.by_channel == {"form": 3, "api": 2, "fhir": 1}
    assert report.where_now == {"routed": 4, "more-information-needed": 1, "withdrawn": 1}
    assert report.first_decision.reached == 6
    assert report.first_decision.within == 6
    assert report.awaiting_information == 1
    assert [(d.reference, d.due, d.days_left) for d in report.statutory_due] == [
        (overdue, today - timedelta(days=5), -5), (soon, today + timedelta(days=10), 10),
        (later, today + timedelta(days=40), 40)]  # not the withdrawn one, nor the one sent elsewhere since
    assert before.received == 0  # another period: none of these
    assert [d.reference for d in before.statutory_due] == [overdue, soon, later]  # whenever received


async def test_the_report_says_how_each_team_answered_from_the_history_in_postgresql(intake: Intake) -> None:
    from intake.service_layer.progress import ProgressIn, report_progress

    today = received_on(datetime.now(UTC))
    accepted = await _triaged(intake, "api", "routed", "outreach")
    declined = await _triaged(intake, "form", "routed", "outreach")
    silent = await _triaged(intake, "form", "routed", "outreach")
    team = Principal("outreach-team", "partner", "partner")
    await report_progress(intake.runtime.uow(), accepted, ProgressIn(stage="accepted"), actor=team)
    await report_progress(intake.runtime.uow(), declined, ProgressIn(stage="declined", reason="already-known"),
                          actor=team)
    async with intake.runtime.engine.connect() as conn:
        report = await front_door_report(conn, today - timedelta(days=27), today, today)
        later = await front_door_report(conn, today - timedelta(days=27), today, today + timedelta(days=35))

    (outreach,) = [t for t in report.teams if t.pathway == "outreach"]  # the other test's concerns: statutory and
    assert (outreach.sent, outreach.answered, outreach.within, outreach.declined) == (3, 2, 2, 1)  # sen-support
    assert (outreach.median_working_days, outreach.waiting, outreach.waiting_past_date) == (0.0, 1, 0)
    (still,) = [t for t in later.teams if t.pathway == "outreach"]
    assert (still.waiting, still.waiting_past_date) == (1, 1)  # 35 days on: past the family's 20 working days
    assert silent not in str(report.teams)  # counts only: no reference
