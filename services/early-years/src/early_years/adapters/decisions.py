"""Decisions (append-only: the database refuses to change one) and the actions they set."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from early_years.adapters import orm

D, X, C = orm.decision, orm.action, orm.panel_case


class DecisionRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, **values: Any) -> None:
        await self.conn.execute(sa.insert(D).values(**values))

    async def add_action(self, **values: Any) -> None:
        await self.conn.execute(sa.insert(X).values(**values))

    async def for_case(self, case_id: uuid.UUID) -> list[Any]:
        query = (sa.select(D, orm.panel_meeting.c.date.label("meeting_date"))
                 .join(orm.panel_meeting, orm.panel_meeting.c.id == D.c.meeting_id)
                 .where(D.c.case_id == case_id).order_by(D.c.decided_at))
        return list((await self.conn.execute(query)).all())

    async def actions_for_case(self, case_id: uuid.UUID) -> list[Any]:
        query = sa.select(X).where(X.c.case_id == case_id).order_by(X.c.due, X.c.assigned_at)
        return list((await self.conn.execute(query)).all())

    async def actions_of_panel(self, panel_id: str | None) -> list[Any]:
        query = (sa.select(X, C.c.reference, C.c.panel_id).join(C, C.c.id == X.c.case_id)
                 .order_by(X.c.completed_at.is_not(None), X.c.due))
        if panel_id is not None:
            query = query.where(C.c.panel_id == panel_id)
        return list((await self.conn.execute(query)).all())

    async def action(self, action_id: uuid.UUID, *, for_update: bool = False) -> Any:
        query = (sa.select(X, C.c.reference, C.c.panel_id, C.c.concern_id)
                 .join(C, C.c.id == X.c.case_id).where(X.c.id == action_id))
        return (await self.conn.execute(query.with_for_update(of=X) if for_update else query)).first()

    async def complete(self, action_id: uuid.UUID, *, at: datetime, by: str) -> None:
        await self.conn.execute(sa.update(X).where(X.c.id == action_id).values(completed_at=at, completed_by=by))

    async def overdue_candidates(self, today: date, limit: int = 200) -> list[Any]:
        """Open, unraised actions past their due date, locked so two checkers never raise one twice."""
        query = (sa.select(X, C.c.reference, C.c.concern_id).join(C, C.c.id == X.c.case_id)
                 .where(X.c.completed_at.is_(None), X.c.overdue_raised_at.is_(None), X.c.due < today)
                 .order_by(X.c.due).limit(limit).with_for_update(of=X, skip_locked=True))
        return list((await self.conn.execute(query)).all())

    async def mark_raised(self, action_id: uuid.UUID, at: datetime) -> None:
        await self.conn.execute(sa.update(X).where(X.c.id == action_id).values(overdue_raised_at=at))
