"""The family journey and the private links that show it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from frontdoor_shared.db import sql
from frontdoor_shared.ids import new_id
from notifications.adapters import orm
from notifications.domain.journey import Step
from notifications.domain.status_link import StatusLink

J, L = orm.journey, orm.status_link


class JourneyRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add_step(self, *, event_id: str, concern_id: uuid.UUID, reference: str, event_type: str,
                       correlation_id: str | None, step: Step, at: datetime) -> None:
        await self.conn.execute(insert(J).values(
            event_id=event_id, concern_id=concern_id, reference=reference, event_type=event_type,
            correlation_id=correlation_id, status=step.status, line=step.line, next_step=step.next_step,
            expected_by=step.expected_by, at=at, pathway=step.pathway).on_conflict_do_nothing())

    async def add_steps(self, rows: list[dict[str, Any]]) -> None:
        """`add_step` for many events in one statement (the same text for any number)."""
        if not rows:
            return
        names = ("event_id", "concern_id", "reference", "event_type", "correlation_id", "status", "line",
                 "next_step", "expected_by", "at", "pathway")
        kinds = ("text", "uuid", "text", "text", "text", "text", "text", "text", "date", "timestamptz", "text")
        await self.conn.execute(sql(
            f"INSERT INTO notifications.journey ({', '.join(names)}) SELECT * FROM unnest("
            + ", ".join(f"CAST(:{n} AS {k}[])" for n, k in zip(names, kinds, strict=True))
            + ") ON CONFLICT DO NOTHING"), {n: [r[n] for r in rows] for n in names})

    async def steps(self, concern_id: uuid.UUID) -> list[Any]:
        """One concern's journey, oldest first: the query names the concern, so nothing else leaks."""
        return list((await self.conn.execute(
            sa.select(J).where(J.c.concern_id == concern_id).order_by(J.c.at, J.c.event_id))).all())

    async def _latest_untold(self, template: str, limit: int, *where: Callable[[Any], Any]) -> list[Any]:
        """Each concern's latest step meeting every condition in `where` (each given the step's
        columns), about which no `template` message has been recorded yet; with the sealed recipients."""
        newest_first = sa.func.row_number().over(partition_by=J.c.concern_id,
                                                 order_by=(J.c.at.desc(), J.c.event_id.desc()))
        latest = sa.select(J, newest_first.label("n")).subquery()
        told = sa.exists().where(orm.message.c.about_event_id == latest.c.event_id,
                                 orm.message.c.template == template)
        stmt = (sa.select(latest, orm.recipient.c.sealed)
                .join(orm.recipient, orm.recipient.c.concern_id == latest.c.concern_id)
                .where(latest.c.n == 1, ~told, *(condition(latest.c) for condition in where))
                .limit(limit))
        return list((await self.conn.execute(stmt)).all())

    async def idle_since(self, cutoff: datetime, statuses: frozenset[str], template: str,
                         limit: int) -> list[Any]:
        """Each concern's latest step, when it is older than `cutoff`, one of `statuses`, and no
        `template` message has been recorded about it yet; with the sealed recipients."""
        return await self._latest_untold(template, limit, lambda c: c.at <= cutoff, lambda c: c.status.in_(statuses))

    async def unanswered(self, today: date, statuses: frozenset[str], pathways: frozenset[str], template: str,
                         limit: int) -> list[Any]:
        """Each concern whose latest step waits on one of `pathways`' teams (`statuses`) past the
        date the family was given, with no `template` message recorded about that step yet; with
        the sealed recipients."""
        return await self._latest_untold(template, limit, lambda c: c.status.in_(statuses),
                                         lambda c: c.pathway.in_(pathways), lambda c: c.expected_by < today)

    async def add_links(self, links: list[tuple[uuid.UUID, StatusLink]]) -> None:
        """Keep many links at once (one statement whatever their number)."""
        if not links:
            return
        await self.conn.execute(sql(
            "INSERT INTO notifications.status_link (id, concern_id, token_hash, created_at, expires_at)"
            " SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:concerns AS uuid[]), CAST(:hashes AS text[]),"
            " CAST(:created AS timestamptz[]), CAST(:expires AS timestamptz[]))"),
            {"ids": [new_id() for _ in links], "concerns": [c for c, _ in links],
             "hashes": [link.token_hash for _, link in links], "created": [link.created_at for _, link in links],
             "expires": [link.expires_at for _, link in links]})

    async def link(self, token_hash: str) -> tuple[uuid.UUID, StatusLink] | None:
        row = (await self.conn.execute(sa.select(L).where(L.c.token_hash == token_hash))).first()
        if row is None:
            return None
        return row.concern_id, StatusLink(row.token_hash, row.created_at, row.expires_at, row.revoked_at)

    async def revoke(self, token_hash: str, now: datetime) -> bool:
        result = await self.conn.execute(
            sa.update(L).where(L.c.token_hash == token_hash, L.c.revoked_at.is_(None))
            .values(revoked_at=now).returning(L.c.id))
        return result.first() is not None
