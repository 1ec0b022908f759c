"""Triage's repository: results, the routing history and the stored facts for simulation."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from frontdoor_shared import jsontext
from frontdoor_shared.db import sql
from triage.adapters import orm

_result = orm.triage_result


class TriageRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def save(self, **values: Any) -> None:
        stmt = insert(_result).values(**values)
        await self.conn.execute(stmt.on_conflict_do_update(
            index_elements=[_result.c.concern_id],
            set_={k: stmt.excluded[k] for k in values if k != "concern_id"},
        ))

    async def save_many(self, rows: list[dict[str, Any]]) -> None:
        """`save` for many results in one statement (the same text for any number; the last row per
        concern wins, as one save after another would)."""
        latest = list({r["concern_id"]: r for r in rows}.values())
        if not latest:
            return
        jsonb = ("reasons", "missing", "facts")
        columns = {"concern_id": "uuid", "reference": "text", "outcome": "text", "pathway": "text",
                   "recommended_pathway": "text", "priority": "text", "reasons": "text", "missing": "text",
                   "policy_version": "text", "decided_by": "text", "facts": "text", "triaged_at": "timestamptz"}
        selected = ", ".join(f"CAST(u.{c} AS jsonb)" if c in jsonb else f"u.{c}" for c in columns)
        await self.conn.execute(sql(
            f"INSERT INTO triage.triage_result ({', '.join(columns)}) SELECT {selected} FROM unnest("
            + ", ".join(f"CAST(:{c} AS {k}[])" for c, k in columns.items()) + f") AS u({', '.join(columns)})"
            " ON CONFLICT (concern_id) DO UPDATE SET "
            + ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != "concern_id")),
            {c: [jsontext.dumps(r[c]) if c in jsonb else r[c] for r in latest] for c in columns})

    async def record_routings(self, rows: list[dict[str, Any]]) -> None:
        """`record_routing` for many referrals, in one statement."""
        if not rows:
            return
        columns = {"concern_id": "uuid", "reference": "text", "pathway": "text", "priority": "text",
                   "decided_by": "text", "decision_id": "uuid", "event_id": "text", "routed_at": "timestamptz"}
        await self.conn.execute(sql(
            f"INSERT INTO triage.routing ({', '.join(columns)}) SELECT * FROM unnest("
            + ", ".join(f"CAST(:{c} AS {k}[])" for c, k in columns.items()) + ")"),
            {c: [r[c] for r in rows] for c in columns})

    async def get(self, concern_id: uuid.UUID, *, for_update: bool = False) -> Any:
        query = sa.select(_result).where(_result.c.concern_id == concern_id)
        if for_update:
            query = query.with_for_update()
        return (await self.conn.execute(query)).first()

    async def record_panel_decision(self, concern_id: uuid.UUID, *, pathway: str, priority: str,
                                    reasons: list[dict[str, Any]]) -> None:
        await self.conn.execute(
            sa.update(_result).where(_result.c.concern_id == concern_id)
            .values(pathway=pathway, priority=priority, reasons=reasons, decided_by="panel"))

    async def record_routing(self, *, concern_id: uuid.UUID, reference: str, pathway: str,
                             priority: str, decided_by: str, decision_id: uuid.UUID | None,
                             event_id: str, routed_at: datetime) -> None:
        await self.conn.execute(sa.insert(orm.routing).values(
            concern_id=concern_id, reference=reference, pathway=pathway, priority=priority,
            decided_by=decided_by, decision_id=decision_id, event_id=event_id, routed_at=routed_at))

    async def routings(self, concern_id: uuid.UUID) -> list[Any]:
        return list((await self.conn.execute(
            sa.select(orm.routing).where(orm.routing.c.concern_id == concern_id)
            .order_by(orm.routing.c.id))).all())

    async def count_results(self) -> int:
        return int(await self.conn.scalar(sa.select(sa.func.count()).select_from(_result)) or 0)

    async def stream_facts(self, batch: int = 1000) -> AsyncIterator[Any]:
        """Every stored result, oldest first: reference, outcome, the policy's pathway, facts, date."""
        result = await self.conn.stream(
            sa.select(_result.c.reference, _result.c.outcome,
                      _result.c.recommended_pathway.label("pathway"), _result.c.facts,
                      _result.c.triaged_at)
            .order_by(_result.c.triaged_at, _result.c.concern_id).execution_options(yield_per=batch))
        async for row in result:
            yield row

    async def erase(self, concern_id: uuid.UUID) -> None:
        """An erased concern: its result (with the facts kept for simulation) and its routing history go."""
        await self.conn.execute(sa.delete(orm.routing).where(orm.routing.c.concern_id == concern_id))
        await self.conn.execute(sa.delete(_result).where(_result.c.concern_id == concern_id))
