"""Panel cases: one per concern triage sent to the panel, with the evidence its event carried."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from early_years.adapters import orm
from frontdoor_shared.db import sql

C = orm.panel_case


class CaseRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, **values: Any) -> None:
        await self.conn.execute(sa.insert(C).values(**values))

    async def add_many_returning(self, rows: Sequence[dict[str, Any]]) -> list[Any]:
        """Add cases and give back their rows, in order (one statement)."""
        if not rows:
            return []
        return list((await self.conn.execute(
            sa.insert(C).returning(*C.c, sort_by_parameter_order=True), list(rows))).all())

    async def for_concerns(self, concern_ids: set[uuid.UUID]) -> dict[uuid.UUID, Any]:
        """The cases of many concerns, by concern (one round trip)."""
        if not concern_ids:
            return {}
        rows = await self.conn.execute(
            sql("SELECT * FROM early_years.panel_case WHERE concern_id = ANY(CAST(:ids AS uuid[]))")
            .columns(*C.c), {"ids": sorted(concern_ids)})
        return {r.concern_id: r for r in rows}

    async def get(self, case_id: uuid.UUID, *, for_update: bool = False) -> Any:
        query = sa.select(C).where(C.c.id == case_id)
        return (await self.conn.execute(query.with_for_update() if for_update else query)).first()

    async def for_concern(self, concern_id: uuid.UUID) -> Any:
        return (await self.conn.execute(sa.select(C).where(C.c.concern_id == concern_id))).first()

    async def update(self, case_id: uuid.UUID, **values: Any) -> None:
        await self.conn.execute(sa.update(C).where(C.c.id == case_id).values(**values))

    async def listed(self, panel_id: str | None) -> list[Any]:
        """Cases awaiting a decision: of one panel, or of every panel (None)."""
        query = sa.select(C).where(C.c.status == "listed")
        if panel_id is not None:
            query = query.where(C.c.panel_id == panel_id)
        return list((await self.conn.execute(query)).all())

    async def waiting_elsewhere(self, panel_id: str, meeting_id: uuid.UUID) -> list[Any]:
        """The panel's undecided cases that are not (or no longer) on this meeting's agenda."""
        here = sa.select(orm.agenda_item.c.case_id).where(
            orm.agenda_item.c.meeting_id == meeting_id, orm.agenda_item.c.deferred.is_(False))
        query = sa.select(C).where(C.c.panel_id == panel_id, C.c.status == "listed", C.c.id.not_in(here))
        return list((await self.conn.execute(query.order_by(C.c.listed_at))).all())

    async def withdraw(self, concern_id: uuid.UUID) -> None:
        """A withdrawn concern's case, if not yet decided: off every agenda, status `withdrawn`."""
        undecided = sa.select(C.c.id).where(C.c.concern_id == concern_id, C.c.status == "listed").scalar_subquery()
        await self.conn.execute(sa.delete(orm.agenda_item).where(orm.agenda_item.c.case_id.in_(undecided)))
        await self.conn.execute(sa.update(C).where(C.c.concern_id == concern_id, C.c.status == "listed")
                                .values(status="withdrawn"))

    async def record_team_answer(self, concern_id: uuid.UUID, answer: dict[str, Any]) -> None:
        """The latest answer of the team the concern was referred to, on its case (if it has one)."""
        await self.conn.execute(sa.update(C).where(C.c.concern_id == concern_id).values(team_answer=answer))

    async def erase(self, concern_id: uuid.UUID) -> None:
        """An erased concern: its case, its place on agendas, the panel's decisions (with their
        free-text reasons) and the actions they set."""
        # decisions are append-only (a trigger); an erasure alone may delete them, in this transaction
        await self.conn.execute(sql("SET LOCAL frontdoor.erasing = 'on'"))
        case_ids = sa.select(C.c.id).where(C.c.concern_id == concern_id).scalar_subquery()
        for table in (orm.action, orm.agenda_item, orm.decision):
            await self.conn.execute(sa.delete(table).where(table.c.case_id.in_(case_ids)))
        await self.conn.execute(sa.delete(C).where(C.c.concern_id == concern_id))
