"""Use cases on actions: recording completion, and raising overdue ones once each."""

from __future__ import annotations

import uuid
from datetime import datetime

import structlog

from early_years.adapters.decisions import DecisionRepository
from early_years.domain.actions import ActionState, check_completable, to_raise
from early_years.domain.exceptions import UnknownCase
from early_years.service_layer.events import overdue_event
from early_years.service_layer.panel import PanelSetup
from frontdoor_shared.uow import UnitOfWork

log = structlog.get_logger()


async def complete_action(uow: UnitOfWork, panel_id: str | None, action_id: uuid.UUID, *, by: str,
                          now: datetime) -> None:
    async with uow:
        repo = DecisionRepository(uow.conn)
        row = await repo.action(action_id, for_update=True)
        if row is None or (panel_id is not None and row.panel_id != panel_id):
            raise UnknownCase(f"no action {action_id}")
        check_completable(ActionState(str(row.id), row.due, row.completed_at, row.overdue_raised_at))
        await repo.complete(action_id, at=now, by=by)
        await uow.commit()


async def raise_overdue(uow: UnitOfWork, panel: PanelSetup, now: datetime) -> int:
    """Raise every action that became overdue since the last check: an event each, exactly once."""
    today = panel.today(now)
    async with uow:
        repo = DecisionRepository(uow.conn)
        rows = {str(r.id): r for r in await repo.overdue_candidates(today)}
        due = to_raise([ActionState(i, r.due, r.completed_at, r.overdue_raised_at) for i, r in rows.items()], today)
        for state in due:
            row = rows[state.id]
            await repo.mark_raised(row.id, now)
            uow.emit(overdue_event(row, row.id, now, panel.words), subject=row.reference, key=str(row.concern_id))
        await uow.commit()
    if due:
        log.info("actions.overdue_raised", count=len(due))
    return len(due)
