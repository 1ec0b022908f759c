"""The watchdog finds concerns not triaged in time, re-drives them, then raises them to staff."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from frontdoor_cli.testing import migrate_all
from frontdoor_shared.contracts import ConcernSubmittedV1, NotificationSentV1
from frontdoor_shared.envelope import new_event
from intake.adapters import orm
from intake.bootstrap import Intake
from intake.config import IntakeSettings
from intake.service_layer.schemas import ConcernIn
from intake.service_layer.status import record_status
from intake.service_layer.submit import Submission, submit
from intake.service_layer.watchdog import WatchdogCounters, sweep
from tests.support import a_concern

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def intake(test_stack):  # type: ignore[no-untyped-def]
    migrate_all(test_stack.database_url)
    return Intake(IntakeSettings(DATABASE_URL=test_stack.database_url, KAFKA_BOOTSTRAP_SERVERS=test_stack.bootstrap))


async def _submitted_at(intake: Intake, when: datetime) -> str:
    async with intake.runtime.uow() as uow:
        accepted = await submit(uow, Submission(ConcernIn.model_validate(a_concern()), "api", "watchdog-test"),
                                match_secret=b"k", keyring=intake.keyring, notifications_key=intake.notifications_key,
                                clock=lambda: when)
    return str(accepted.concern_id)


async def _published(intake: Intake, concern_id: str) -> bool:
    o = intake.runtime.tables.outbox
    async with intake.runtime.engine.connect() as conn:
        return bool(await conn.scalar(sa.select(o.c.published_at.is_not(None)).where(o.c.key == concern_id)))


async def _mark_all_published(intake: Intake) -> None:
    o = intake.runtime.tables.outbox
    async with intake.runtime.engine.begin() as conn:
        await conn.execute(sa.update(o).values(published_at=sa.func.now()))


async def test_an_untriaged_concern_is_redriven_then_raised_to_staff(intake: Intake) -> None:
    now = datetime.now(UTC)
    stuck = await _submitted_at(intake, now - timedelta(hours=2))
    fresh = await _submitted_at(intake, now)
    await _mark_all_published(intake)
    counters = WatchdogCounters()

    found = await sweep(intake.runtime.engine, intake.runtime.tables, now + timedelta(minutes=1),
                        overdue_after=timedelta(minutes=15), raise_after=1, counters=counters)
    assert found == 1
    assert not await _published(intake, stuck)  # queued again for the relay
    assert await _published(intake, fresh)

    later = now + timedelta(hours=1)
    await sweep(intake.runtime.engine, intake.runtime.tables, later, overdue_after=timedelta(minutes=15),
                raise_after=1, counters=counters)
    assert counters.raised_to_staff == 1  # the stuck one, after its one re-drive
    assert counters.redriven == 2  # the stuck one at first, the other one now that it is overdue too
    async with intake.runtime.engine.connect() as conn:
        statuses = (await conn.execute(sa.select(orm.status_history.c.status)
                                       .where(orm.status_history.c.concern_id == sa.cast(stuck, orm.concern.c.id.type)))
                    ).scalars().all()
    assert "raised-to-staff" in statuses

    again = await sweep(intake.runtime.engine, intake.runtime.tables, later + timedelta(hours=1),
                        overdue_after=timedelta(minutes=15), raise_after=1, counters=counters)
    assert again == 1  # only the second concern: the first was raised once, not every sweep


async def test_a_message_to_the_family_does_not_restart_the_clock_of_an_untriaged_concern(intake: Intake) -> None:
    """The watchdog measures time in the present status: the family being told "we have your
    concern" (a history line, not a move) leaves an untriaged concern overdue all the same."""
    now = datetime.now(UTC)
    stuck = await _submitted_at(intake, now - timedelta(hours=2))
    await _mark_all_published(intake)
    async with intake.runtime.engine.connect() as conn:
        reference = await conn.scalar(sa.select(orm.concern.c.reference)
                                      .where(orm.concern.c.id == uuid.UUID(stuck)))
    told = NotificationSentV1(concern_id=uuid.UUID(stuck), reference=reference, message_id=uuid.uuid4(),
                              audience="family", channel="email", template="family/concern-submitted",
                              status="sent", about_event_type=ConcernSubmittedV1.TYPE, sent_at=now)
    event = new_event(told, source="urn:test", subject=reference).model_copy(update={"time": now})
    await record_status(intake.runtime.uow(), event, told, told.TOPIC)

    async with intake.runtime.engine.connect() as conn:
        row = (await conn.execute(sa.select(orm.concern.c.status, orm.concern.c.updated_at)
                                  .where(orm.concern.c.id == uuid.UUID(stuck)))).one()
    assert row.status == "submitted"
    assert row.updated_at == now - timedelta(hours=2)  # when it was submitted, not when the family heard
    counters = WatchdogCounters()
    await sweep(intake.runtime.engine, intake.runtime.tables, now + timedelta(minutes=1),
                overdue_after=timedelta(minutes=15), raise_after=5, counters=counters)
    assert not await _published(intake, stuck)  # found overdue, and its event queued again
