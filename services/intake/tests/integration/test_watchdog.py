"""The watchdog finds concerns not triaged in time, re-drives them, then raises them to staff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from frontdoor_cli.testing import migrate_all
from intake.adapters import orm
from intake.bootstrap import Intake
from intake.config import IntakeSettings
from intake.service_layer.schemas import ConcernIn
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
