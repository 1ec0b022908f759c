"""The watchdog: no concern is ever stuck silently.

A concern still `submitted` after `overdue_after` has not been triaged: its `concern-submitted`
event is re-driven from the outbox (consumers' inboxes make that safe). So is a concern whose
referrer added the information triage asked for (`information-added`) and was not triaged again:
its `concern-updated` events. After `raise_after`
re-drives it is raised to staff: a line in its history and a warning, counted in metrics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from frontdoor_shared.contracts import ConcernSubmittedV1, ConcernUpdatedV1
from frontdoor_shared.db import DeliveryTables
from frontdoor_shared.metrics import Metric, counter, gauge
from intake.adapters import orm
from intake.adapters.repository import ConcernRepository
from intake.domain.model import Status, StatusChange

log = structlog.get_logger()
# what triage has still to answer, by status: the event to re-drive
AWAITING_TRIAGE = {Status.SUBMITTED: ConcernSubmittedV1.TYPE, Status.INFORMATION_ADDED: ConcernUpdatedV1.TYPE}


@dataclass
class WatchdogCounters:
    """What /metrics reports."""

    overdue_found: int = 0
    redriven: int = 0
    raised_to_staff: int = 0
    sweeps: int = 0
    failed_sweeps: int = 0
    last_overdue: dict[str, int] = field(default_factory=dict)

    def metrics(self) -> list[Metric]:
        return [counter("frontdoor_watchdog_sweeps", "Watchdog sweeps run", self.sweeps),
                counter("frontdoor_watchdog_failed_sweeps", "Watchdog sweeps that failed", self.failed_sweeps),
                counter("frontdoor_watchdog_overdue_found", "Concerns found not triaged in time", self.overdue_found),
                counter("frontdoor_watchdog_redriven", "Concerns re-driven to triage", self.redriven),
                counter("frontdoor_watchdog_raised_to_staff", "Concerns raised to staff after re-drives",
                        self.raised_to_staff),
                gauge("frontdoor_watchdog_overdue_now", "Concerns not triaged in time at the last sweep",
                      self.last_overdue.get("not-triaged", 0))]


async def sweep(engine: AsyncEngine, tables: DeliveryTables, now: datetime, *, overdue_after: timedelta,
                raise_after: int, counters: WatchdogCounters) -> int:
    """Find concerns not triaged in time; re-drive or raise them. Returns how many were overdue."""
    c = orm.concern
    async with engine.begin() as conn:
        rows = (await conn.execute(
            sa.select(c.c.id, c.c.reference, c.c.status, c.c.watchdog_redrives)
            .where(c.c.status.in_(list(AWAITING_TRIAGE)), c.c.updated_at < now - overdue_after,
                   c.c.watchdog_raised_at.is_(None))
            .order_by(c.c.updated_at).limit(500).with_for_update(skip_locked=True))).all()
        for row in rows:
            if row.watchdog_redrives >= raise_after:
                await _raise(conn, row, now, counters)
            else:
                await _redrive(conn, tables, row, now, counters)
    counters.sweeps += 1
    counters.overdue_found += len(rows)
    counters.last_overdue["not-triaged"] = len(rows)
    return len(rows)


async def _redrive(conn: AsyncConnection, tables: DeliveryTables, row: sa.Row,  # type: ignore[type-arg]
                   now: datetime, counters: WatchdogCounters) -> None:
    o = tables.outbox
    await conn.execute(sa.update(o).where(o.c.key == str(row.id), o.c.event_type == AWAITING_TRIAGE[row.status])
                       .values(published_at=None))
    await conn.execute(sa.update(orm.concern).where(orm.concern.c.id == row.id)
                       .values(watchdog_redrives=row.watchdog_redrives + 1, updated_at=now))
    counters.redriven += 1
    log.warning("watchdog.redriven", reference=row.reference, attempt=row.watchdog_redrives + 1)


async def _raise(conn: AsyncConnection, row: sa.Row, now: datetime,  # type: ignore[type-arg]
                 counters: WatchdogCounters) -> None:
    await ConcernRepository(conn).add_status(
        row.id, StatusChange("raised-to-staff", now, {"why": "not triaged in time after re-drives"}),
        current=False)
    await conn.execute(sa.update(orm.concern).where(orm.concern.c.id == row.id).values(watchdog_raised_at=now))
    counters.raised_to_staff += 1
    log.error("watchdog.raised_to_staff", reference=row.reference)
