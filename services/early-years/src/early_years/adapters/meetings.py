"""Panels, members, meetings, who attended, and each meeting's agenda."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from early_years.adapters import orm
from early_years.domain.agenda import RANK_STEP, RESPACED_GAP, band_end, position_between, too_deep
from frontdoor_shared.db import sql

M, A, G = orm.panel_meeting, orm.meeting_attendance, orm.agenda_item

# The items of one meeting these statements read (all, or the live ones: not deferred), but for `besides`.
_ITEMS = ("FROM early_years.agenda_item WHERE meeting_id = :m"
          " AND case_id IS DISTINCT FROM CAST(:besides AS uuid)")
_LIVE = f"{_ITEMS} AND deferred IS FALSE"


def _band(rank: str) -> str:
    """domain.agenda's band of a rank key (`band_end`), written as migration 0008's index writes it."""
    return f"floor({rank} / {RANK_STEP}.0)"


_OUTRANKED_AND_BEFORE = (
    f"WITH RECURSIVE band(b) AS (SELECT min({_band('rank_key')}) {_LIVE}"
    f"  UNION ALL SELECT (SELECT min({_band('rank_key')}) {_LIVE} AND {_band('rank_key')} > band.b)"
    "  FROM band WHERE band.b IS NOT NULL),"
    f" band_first(b, p) AS (SELECT b, (SELECT min(position) {_LIVE} AND {_band('rank_key')} = band.b)"
    "  FROM band WHERE b IS NOT NULL)"
    f" SELECT k, f, (SELECT max(position) {_ITEMS} AND position < f) AS b, (SELECT max(position) {_ITEMS}) AS last"
    # `+ 0` keeps min() from walking the position index in order, testing every item on the way
    f" FROM (SELECT k, LEAST((SELECT min(position + 0) {_LIVE} AND rank_key > k AND rank_key < e),"
    f"                       (SELECT min(p) FROM band_first WHERE band_first.b > {_band('k')})) AS f"
    "       FROM unnest(CAST(:keys AS bigint[]), CAST(:ends AS bigint[])) AS u(k, e)) AS s")


class MeetingRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def lock_panel(self, panel_id: str) -> None:
        """Serialise changes to one panel's meetings and agendas (listing, moving, deferring)."""
        await self.conn.execute(sql("SELECT pg_advisory_xact_lock(hashtext(:k))"),
                                {"k": f"early_years.panel:{panel_id}"})

    async def ensure_panel(self, panel_id: str, name: str) -> None:
        await self.conn.execute(insert(orm.panel).values(id=panel_id, name=name).on_conflict_do_nothing())

    async def upsert_member(self, panel_id: str, **values: Any) -> None:
        stmt = insert(orm.panel_member).values(panel_id=panel_id, **values)
        await self.conn.execute(stmt.on_conflict_do_update(
            index_elements=["panel_id", "subject"],
            set_={k: stmt.excluded[k] for k in ("name", "agency", "role")}))

    async def members(self, panel_id: str) -> list[Any]:
        P = orm.panel_member
        query = sa.select(P).where(P.c.panel_id == panel_id).order_by(P.c.role.desc(), P.c.name)
        return list((await self.conn.execute(query)).all())

    async def next_meeting(self, panel_id: str, today: date) -> Any:
        query = (sa.select(M).where(M.c.panel_id == panel_id, M.c.date >= today, M.c.status == "scheduled")
                 .order_by(M.c.date).limit(1))
        return (await self.conn.execute(query)).first()

    async def meeting_after(self, panel_id: str, after: date) -> Any:
        query = sa.select(M).where(M.c.panel_id == panel_id, M.c.date > after).order_by(M.c.date).limit(1)
        return (await self.conn.execute(query)).first()

    async def last_meeting_date(self, panel_id: str) -> date | None:
        last: date | None = await self.conn.scalar(sa.select(sa.func.max(M.c.date)).where(M.c.panel_id == panel_id))
        return last

    async def create_meeting(self, panel_id: str, on: date) -> Any:
        await self.conn.execute(insert(M).values(id=uuid.uuid4(), panel_id=panel_id, date=on, status="scheduled")
                                .on_conflict_do_nothing())
        return (await self.conn.execute(sa.select(M).where(M.c.panel_id == panel_id, M.c.date == on))).one()

    async def meeting(self, meeting_id: uuid.UUID) -> Any:
        return (await self.conn.execute(sa.select(M).where(M.c.id == meeting_id))).first()

    async def attendance(self, meeting_id: uuid.UUID) -> list[Any]:
        return list((await self.conn.execute(sa.select(A).where(A.c.meeting_id == meeting_id)
                                             .order_by(A.c.subject))).all())

    async def replace_attendance(self, meeting_id: uuid.UUID, present: Sequence[dict[str, str]]) -> None:
        await self.conn.execute(sa.delete(A).where(A.c.meeting_id == meeting_id))
        if present:
            await self.conn.execute(sa.insert(A), [{"meeting_id": meeting_id, **p} for p in present])

    async def agenda(self, meeting_id: uuid.UUID) -> list[Any]:
        """Every item of the meeting (deferred ones too), with its case, in agenda order."""
        C = orm.panel_case
        query = (sa.select(G.c.position, G.c.deferred, G.c.added_by, C)
                 .join(C, C.c.id == G.c.case_id).where(G.c.meeting_id == meeting_id).order_by(G.c.position))
        return list((await self.conn.execute(query)).all())

    async def position_for(self, meeting_id: uuid.UUID, case_id: uuid.UUID, key: int) -> Decimal:
        """Where `domain.agenda.insert_in_order` puts a case of rank `key`: just before the first
        live item it outranks (the chair's order of the others kept), as a position between that
        item and the one before it (the case itself, if on the agenda already, not counted).
        Nothing is renumbered, and the items are found by index probes (`outranked_and_before`),
        so placing a case costs the same however long the agenda is."""
        stored, last = await self.outranked_and_before(meeting_id, [key], besides=case_id)
        first_outranked, before = stored[key]
        if first_outranked is None:
            return Decimal(1) if last is None else Decimal(int(last) + 1)
        if too_deep(before, first_outranked):
            await self.respace(meeting_id)
            return await self.position_for(meeting_id, case_id, key)
        return position_between(None if before is None else Decimal(before), Decimal(first_outranked))

    async def respace(self, meeting_id: uuid.UUID) -> None:
        """Every item of the meeting (deferred ones too) `RESPACED_GAP` apart, in the same order."""
        await self.conn.execute(sql(
            "UPDATE early_years.agenda_item AS a SET position = r.n * CAST(:gap AS numeric)"
            " FROM (SELECT case_id, row_number() OVER (ORDER BY position, case_id) AS n"
            "       FROM early_years.agenda_item WHERE meeting_id = :m) AS r"
            " WHERE a.meeting_id = :m AND a.case_id = r.case_id"), {"m": meeting_id, "gap": RESPACED_GAP})

    async def outranked_and_before(self, meeting_id: uuid.UUID, keys: Sequence[int], *,
                                   besides: uuid.UUID | None = None
                                   ) -> tuple[dict[int, tuple[Decimal | None, Decimal | None]], Decimal | None]:
        """What `position_for` reads, for several ranks in ONE round trip: for each rank key, the
        first live item it outranks and the last item before that one; and the agenda's last
        position (`besides`: a case these leave out). A case outranks the items of its own band
        (priority) ranked after it, found on the rank index (for a case listed now, the few listed
        after it), and every item of a later band: the first of those is the least of each later
        band's first position, one probe per band (bands found by skipping through them) on the
        index of migration 0008. Nothing is read item by item."""
        rows = (await self.conn.execute(sql(_OUTRANKED_AND_BEFORE), {
            "m": meeting_id, "besides": besides, "keys": sorted(set(keys)),
            "ends": [band_end(k) for k in sorted(set(keys))]})).all()
        return {r.k: (r.f, r.b) for r in rows}, (rows[0].last if rows else None)

    async def add_items(self, meeting_id: uuid.UUID, items: Sequence[tuple[uuid.UUID, Decimal, int]], *, by: str,
                        at: datetime) -> None:
        """New cases (case id, position, rank key) on the meeting's agenda, in one statement."""
        if items:
            await self.conn.execute(sql(
                "INSERT INTO early_years.agenda_item (meeting_id, case_id, position, rank_key, deferred, added_by,"
                " added_at) SELECT :m, c, p, k, false, :by, :at FROM unnest(CAST(:cases AS uuid[]),"
                " CAST(:positions AS numeric[]), CAST(:keys AS bigint[])) AS i(c, p, k)"),
                {"m": meeting_id, "by": by, "at": at, "cases": [c for c, _, _ in items],
                 "positions": [p for _, p, _ in items], "keys": [k for _, _, k in items]})

    async def add_item(self, meeting_id: uuid.UUID, case_id: uuid.UUID, *, by: str, at: datetime,
                       position: Decimal | int, key: int) -> None:
        stmt = insert(G).values(meeting_id=meeting_id, case_id=case_id, position=position, rank_key=key,
                                deferred=False, added_by=by, added_at=at)
        await self.conn.execute(stmt.on_conflict_do_update(
            index_elements=["meeting_id", "case_id"],
            set_={"deferred": False, "added_by": by, "position": position, "rank_key": key}))

    async def rerank(self, case_id: uuid.UUID, key: int) -> None:
        """The case's priority changed: later placements compare with its new rank."""
        await self.conn.execute(sa.update(G).where(G.c.case_id == case_id).values(rank_key=key))

    async def set_positions(self, meeting_id: uuid.UUID, case_ids: Sequence[uuid.UUID]) -> None:
        if case_ids:
            await self.conn.execute(
                sa.update(G).where(G.c.meeting_id == meeting_id, G.c.case_id == sa.bindparam("cid"))
                .values(position=sa.bindparam("pos")),
                [{"cid": cid, "pos": i} for i, cid in enumerate(case_ids, start=1)])

    async def defer(self, meeting_id: uuid.UUID, case_id: uuid.UUID) -> None:
        await self.conn.execute(sa.update(G).where(G.c.meeting_id == meeting_id, G.c.case_id == case_id)
                                .values(deferred=True))

    async def withdraw_after(self, case_id: uuid.UUID, after: date) -> None:
        """Take the case off the agendas of meetings later than `after` (it is coming sooner)."""
        later = sa.select(M.c.id).where(M.c.date > after)
        await self.conn.execute(sa.delete(G).where(G.c.case_id == case_id, G.c.meeting_id.in_(later),
                                                   G.c.deferred.is_(False)))

    async def meeting_for_case(self, case_id: uuid.UUID) -> Any:
        """The latest meeting with the case on its agenda (not deferred)."""
        query = (sa.select(M).join(G, G.c.meeting_id == M.c.id)
                 .where(G.c.case_id == case_id, G.c.deferred.is_(False)).order_by(M.c.date.desc()).limit(1))
        return (await self.conn.execute(query)).first()

    async def agenda_history(self, case_id: uuid.UUID) -> list[Any]:
        query = (sa.select(M.c.date, G.c.deferred, G.c.added_by, G.c.added_at).join(G, G.c.meeting_id == M.c.id)
                 .where(G.c.case_id == case_id).order_by(G.c.added_at))
        return list((await self.conn.execute(query)).all())
