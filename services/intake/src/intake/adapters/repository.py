"""Intake's repository: the only place that speaks SQL about concerns."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from frontdoor_shared import at_rest, jsontext
from frontdoor_shared.at_rest import CannotDecrypt, DataKeys, Keyring
from frontdoor_shared.auth import Principal
from frontdoor_shared.db import sql
from intake.adapters import orm
from intake.domain.model import Concern, Status, StatusChange

CLOSED_STATUSES = ("closed", "withdrawn", Status.ERASED)


@dataclass(frozen=True)
class Prior:
    """The concern an Idempotency-Key was already used for."""

    id: uuid.UUID
    reference: str
    request_hash: str
    linked_concern_ids: list[uuid.UUID]


@dataclass(frozen=True)
class NewConcern:
    """A concern to store, with what comes with it (see `add_submitted_many`)."""

    concern: Concern
    submitted_by: str | None
    match_keys: Sequence[str]
    idempotency: tuple[str, str, str] | None  # scope, key, request hash
    first_detail: dict[str, Any]
    actor: Principal
    why: str
    audit_channel: str
DETAILS = "intake.concern.details"  # binds the ciphertext to its column


class ConcernRepository:
    """`keyring` (the key-encryption keys) is needed only to write or open a concern's details."""

    def __init__(self, conn: AsyncConnection, keyring: Keyring | None = None) -> None:
        self.conn = conn
        self.keyring = keyring

    def _data_keys(self) -> DataKeys:
        if self.keyring is None:
            raise RuntimeError("the concern's details need the key-encryption keys: pass a keyring")
        return DataKeys(self.conn, orm.data_key, self.keyring)

    async def _encrypt_details(self, concern: Concern) -> str:
        key = await self._data_keys().create(concern.id)  # a new concern: a new key
        return at_rest.encrypt_json(key, concern.details, purpose=DETAILS, owner=concern.id)

    async def _open_details(self, concern_id: uuid.UUID, token: str | None) -> dict[str, Any]:
        if token is None:  # erased
            return {}
        key = await self._data_keys().get(concern_id)
        if key is None:
            raise CannotDecrypt("the concern's data key was destroyed")
        return at_rest.decrypt_json(key, token, purpose=DETAILS, owner=concern_id)  # type: ignore[no-any-return]

    async def lookup_many(self, subs: Sequence[tuple[tuple[str, str] | None, Sequence[str]]]
                          ) -> list[tuple[Prior | None, list[uuid.UUID]]]:
        """Before submissions, in ONE round trip for any number: for each (Idempotency-Key as
        (scope, key) or None, match keys), the concern that key was already used for, and the open
        concerns about the same child (by match key)."""
        if not subs:
            return []
        flat = [(i, k) for i, (_, keys) in enumerate(subs) for k in keys]
        rows = await self.conn.execute(sql(
            "WITH s AS (SELECT * FROM unnest(CAST(:idx AS int[]), CAST(:scopes AS text[]), CAST(:keys AS text[]))"
            "  AS s(i, scope, key)),"
            " linked AS (SELECT mk.i, array_agg(DISTINCT m.concern_id) AS ids"
            "  FROM unnest(CAST(:mk_idx AS int[]), CAST(:mk AS text[])) AS mk(i, k)"
            "  JOIN intake.child_match_key m ON m.match_key = mk.k JOIN intake.concern c ON c.id = m.concern_id"
            "  WHERE c.status <> ALL(CAST(:closed AS text[])) GROUP BY mk.i)"
            " SELECT s.i, c.id, c.reference, c.linked_concern_ids, ik.request_hash, linked.ids AS linked"
            " FROM s LEFT JOIN intake.idempotency_key ik ON ik.scope = s.scope AND ik.key = s.key"
            " LEFT JOIN intake.concern c ON c.id = ik.concern_id LEFT JOIN linked ON linked.i = s.i"),
            {"idx": list(range(len(subs))), "scopes": [scoped[0] if scoped else None for scoped, _ in subs],
             "keys": [scoped[1] if scoped else None for scoped, _ in subs],
             "mk_idx": [i for i, _ in flat], "mk": [k for _, k in flat], "closed": list(CLOSED_STATUSES)})
        out: list[tuple[Prior | None, list[uuid.UUID]]] = [(None, []) for _ in subs]
        for r in rows:
            prior = Prior(r.id, r.reference, r.request_hash, list(r.linked_concern_ids or [])) if r.id else None
            out[r.i] = (prior, list(r.linked or []))
        return out

    async def add_submitted_many(self, new: Sequence[NewConcern]) -> set[uuid.UUID]:
        """New concerns with everything that comes with each, in ONE statement for any number: the
        data key (wrapped) and encrypted details, the Idempotency-Key (scope, key, request hash)
        claimed, the match keys, the first status line and the audit line (who, why, channel).
        Returns the concerns whose Idempotency-Key could not be claimed (taken meanwhile: a race,
        the caller rolls back)."""
        if self.keyring is None:
            raise RuntimeError("the concern's details need the key-encryption keys: pass a keyring")
        if not new:
            return set()
        keyed = [n for n in new if n.idempotency is not None]
        matched = [(n.concern.id, k) for n in new for k in n.match_keys]
        wrapped, details = [], []
        for n in new:
            data_key = at_rest.new_data_key()
            wrapped.append(self.keyring.wrap(data_key, n.concern.id))
            details.append(at_rest.encrypt_json(data_key, n.concern.details, purpose=DETAILS, owner=n.concern.id))
        claimed = await self.conn.execute(sql(
            "WITH made_key AS (INSERT INTO intake.data_key (owner_id, kek_id, wrapped)"
            "  SELECT id, CAST(:kek AS text), w"
            "  FROM unnest(CAST(:ids AS uuid[]), CAST(:wrapped AS text[])) AS k(id, w)),"
            " made AS (INSERT INTO intake.concern (id, reference, channel, status, details_encrypted, submitted_by,"
            "  linked_concern_ids, submitted_at, updated_at)"
            "  SELECT id, ref, ch, CAST(:status AS text), d, by, CAST(string_to_array(l, ',') AS uuid[]), a, a"
            "  FROM unnest(CAST(:ids AS uuid[]), CAST(:refs AS text[]), CAST(:channels AS text[]),"
            "   CAST(:details AS text[]), CAST(:bys AS text[]), CAST(:linked AS text[]), CAST(:ats AS timestamptz[]))"
            "  AS c(id, ref, ch, d, by, l, a)),"
            " claimed AS (INSERT INTO intake.idempotency_key (scope, key, concern_id, request_hash)"
            "  SELECT * FROM unnest(CAST(:scopes AS text[]), CAST(:keys AS text[]), CAST(:kids AS uuid[]),"
            "   CAST(:hashes AS text[]))"
            "  ON CONFLICT DO NOTHING RETURNING concern_id),"
            " matched AS (INSERT INTO intake.child_match_key (match_key, concern_id)"
            "  SELECT * FROM unnest(CAST(:mks AS text[]), CAST(:mids AS uuid[])) ON CONFLICT DO NOTHING),"
            " history AS (INSERT INTO intake.status_history (concern_id, status, detail, at)"
            "  SELECT id, CAST(:status AS text), CAST(h AS jsonb), a FROM unnest(CAST(:ids AS uuid[]),"
            "   CAST(:hist AS text[]), CAST(:ats AS timestamptz[])) AS h(id, h, a)),"
            " audited AS (INSERT INTO intake.audit (actor, actor_kind, actor_role, action, reference, concern_id, why,"
            "  channel) SELECT actor, kind, role, 'create', ref, id, why, ch FROM unnest(CAST(:actors AS text[]),"
            "   CAST(:kinds AS text[]), CAST(:roles AS text[]), CAST(:refs AS text[]), CAST(:ids AS uuid[]),"
            "   CAST(:whys AS text[]), CAST(:audit_channels AS text[])) AS a(actor, kind, role, ref, id, why, ch))"
            " SELECT concern_id FROM claimed"), {
                "kek": self.keyring.current, "status": Status.SUBMITTED,
                "ids": [n.concern.id for n in new], "wrapped": wrapped, "details": details,
                "refs": [n.concern.reference for n in new], "channels": [n.concern.channel for n in new],
                "bys": [n.submitted_by for n in new],
                "linked": [",".join(str(i) for i in n.concern.linked_concern_ids) for n in new],
                "ats": [n.concern.submitted_at for n in new],
                "scopes": [n.idempotency[0] for n in keyed if n.idempotency],
                "keys": [n.idempotency[1] for n in keyed if n.idempotency],
                "kids": [n.concern.id for n in keyed], "hashes": [n.idempotency[2] for n in keyed if n.idempotency],
                "mks": [k for _, k in matched], "mids": [i for i, _ in matched],
                "hist": [jsontext.dumps(n.first_detail) for n in new],
                "actors": [n.actor.subject for n in new], "kinds": [n.actor.kind for n in new],
                "roles": [n.actor.role for n in new], "whys": [n.why[:200] for n in new],
                "audit_channels": [n.audit_channel for n in new]})
        return {n.concern.id for n in keyed} - {r.concern_id for r in claimed}

    async def get(self, reference: str, *, open_details: bool = False) -> Concern | None:
        """The concern and its history; its details (decrypted) only when `open_details`."""
        row = (await self.conn.execute(
            sa.select(orm.concern).where(orm.concern.c.reference == reference)
        )).first()
        if row is None:
            return None
        history = (await self.conn.execute(
            sa.select(orm.status_history).where(orm.status_history.c.concern_id == row.id)
            .order_by(orm.status_history.c.id)
        )).all()
        return Concern(
            id=row.id, reference=row.reference, channel=row.channel,
            submitted_at=row.submitted_at, status=row.status,
            details=await self._open_details(row.id, row.details_encrypted) if open_details else {},
            linked_concern_ids=list(row.linked_concern_ids),
            history=[StatusChange(h.status, h.at, h.detail, h.event_type) for h in history],
        )

    async def replace_details(self, concern_id: uuid.UUID, details: dict[str, Any]) -> None:
        """The concern's details as they now stand, encrypted under its own data key again."""
        key = await self._data_keys().get(concern_id)
        if key is None:
            raise CannotDecrypt("the concern's data key was destroyed")
        await self.conn.execute(sa.update(orm.concern).where(orm.concern.c.id == concern_id).values(
            details_encrypted=at_rest.encrypt_json(key, details, purpose=DETAILS, owner=concern_id)))

    async def submitted_by(self, reference: str) -> str | None:
        return await self.conn.scalar(
            sa.select(orm.concern.c.submitted_by).where(orm.concern.c.reference == reference))

    async def keyed(self, scope: str, key: str) -> tuple[str, str] | None:
        """The (reference, status) of the concern a caller submitted under an idempotency key."""
        c, k = orm.concern, orm.idempotency
        row = (await self.conn.execute(sa.select(c.c.reference, c.c.status).join(k, k.c.concern_id == c.c.id)
                                       .where(k.c.scope == scope, k.c.key == key))).first()
        return (row.reference, row.status) if row else None

    async def status_of(self, concern_id: uuid.UUID) -> str | None:
        return await self.conn.scalar(
            sa.select(orm.concern.c.status).where(orm.concern.c.id == concern_id).with_for_update())

    async def status_since(self, concern_id: uuid.UUID) -> tuple[str, datetime] | None:
        """The present status and when it was reached, locked; None for no such concern."""
        row = (await self.conn.execute(sa.select(orm.concern.c.status, orm.concern.c.updated_at)
                                       .where(orm.concern.c.id == concern_id).with_for_update())).first()
        return (row.status, row.updated_at) if row is not None else None

    async def statuses_of(self, concern_ids: set[uuid.UUID]) -> dict[uuid.UUID, tuple[str, Any, datetime]]:
        """Present statuses of many concerns, locked (in id order, so two batches never deadlock),
        each with the partner that sent it and hears back, if one did (`partner_feed.Partnered`'s
        client id, reference and key, in the same statement), else None, and when the status was reached."""
        if not concern_ids:
            return {}
        rows = await self.conn.execute(sql(
            "SELECT c.id, c.status, c.updated_at, c.reference, p.client_id, k.key FROM intake.concern c"
            " LEFT JOIN intake.partner_client p ON p.client_id = c.submitted_by AND p.status_events"
            " LEFT JOIN intake.idempotency_key k ON p.client_id IS NOT NULL AND k.concern_id = c.id"
            "  AND k.scope = c.submitted_by"
            " WHERE c.id = ANY(CAST(:ids AS uuid[])) ORDER BY c.id FOR UPDATE OF c"),
            {"ids": sorted(concern_ids)})
        return {r.id: (r.status, (r.client_id, r.reference, r.key) if r.client_id else None, r.updated_at)
                for r in rows}

    async def partners_listening(self, client_ids: Collection[str]) -> set[str]:
        """Which of these are partner systems that hear back on their own topic (status events on)."""
        if not client_ids:
            return set()
        rows = await self.conn.execute(sql(
            "SELECT client_id FROM intake.partner_client WHERE client_id = ANY(CAST(:ids AS text[]))"
            " AND status_events"), {"ids": sorted(client_ids)})
        return {r.client_id for r in rows}

    async def sent_by_listening_partners(self, concern_ids: Collection[uuid.UUID]
                                         ) -> dict[uuid.UUID, tuple[str, str, str | None]]:
        """The concerns among these that a partner which hears back sent: its client id, the
        concern's reference and the key the partner sent it under (None without one)."""
        if not concern_ids:
            return {}
        rows = await self.conn.execute(sql(
            "SELECT c.id, c.reference, c.submitted_by, k.key FROM intake.concern c"
            " JOIN intake.partner_client p ON p.client_id = c.submitted_by AND p.status_events"
            " LEFT JOIN intake.idempotency_key k ON k.concern_id = c.id AND k.scope = c.submitted_by"
            " WHERE c.id = ANY(CAST(:ids AS uuid[]))"), {"ids": sorted(concern_ids)})
        return {r.id: (r.submitted_by, r.reference, r.key) for r in rows}

    async def add_statuses(self, lines: Sequence[tuple[uuid.UUID, StatusChange, str | None, bool]], *,
                           audit: Sequence[tuple[Principal, str, str, uuid.UUID, str, str]] = ()) -> None:
        """Many `add_status` calls, in order, as ONE statement (history lines, present statuses and
        audit lines, each an array unnested), whose text is the same for any number of lines."""
        if not lines:
            return
        final: dict[uuid.UUID, tuple[str, Any]] = {}
        for concern_id, change, _, current in lines:  # the last move wins, as one call after another would
            if current:
                final[concern_id] = (change.status, change.at)
        await self.conn.execute(sql(
            "WITH history AS ("
            " INSERT INTO intake.status_history (concern_id, status, event_type, event_id, detail, at)"
            " SELECT c, s, t, e, d::jsonb, a FROM unnest(CAST(:hc AS uuid[]), CAST(:hs AS text[]),"
            " CAST(:ht AS text[]), CAST(:he AS text[]), CAST(:hd AS text[]), CAST(:ha AS timestamptz[]))"
            " AS h(c, s, t, e, d, a)),"
            " audited AS ("
            " INSERT INTO intake.audit (actor, actor_kind, actor_role, action, reference, concern_id, why, channel)"
            " SELECT * FROM unnest(CAST(:aa AS text[]), CAST(:ak AS text[]), CAST(:ar AS text[]),"
            " CAST(:ac AS text[]), CAST(:af AS text[]), CAST(:ai AS uuid[]), CAST(:aw AS text[]),"
            " CAST(:ah AS text[])))"
            " UPDATE intake.concern SET status = u.s, updated_at = u.a"
            " FROM unnest(CAST(:uc AS uuid[]), CAST(:us AS text[]), CAST(:ua AS timestamptz[])) AS u(c, s, a)"
            " WHERE intake.concern.id = u.c"), {
                "hc": [c for c, _, _, _ in lines], "hs": [ch.status for _, ch, _, _ in lines],
                "ht": [ch.event_type for _, ch, _, _ in lines], "he": [e for _, _, e, _ in lines],
                "hd": [jsontext.dumps(ch.detail) for _, ch, _, _ in lines], "ha": [ch.at for _, ch, _, _ in lines],
                "aa": [w.subject for w, *_ in audit], "ak": [w.kind for w, *_ in audit],
                "ar": [w.role for w, *_ in audit], "ac": [a[1] for a in audit], "af": [a[2] for a in audit],
                "ai": [a[3] for a in audit], "aw": [a[4][:200] for a in audit], "ah": [a[5] for a in audit],
                "uc": list(final), "us": [s for s, _ in final.values()], "ua": [a for _, a in final.values()]})

    async def reference_of(self, concern_id: uuid.UUID) -> str | None:
        return await self.conn.scalar(
            sa.select(orm.concern.c.reference).where(orm.concern.c.id == concern_id))

    async def add_status(self, concern_id: uuid.UUID, change: StatusChange,
                         event_id: str | None = None, *, current: bool = True) -> None:
        """Append to the history; `current` also makes it the concern's present status, set at its
        time (one round trip). A line that is not a move (a message sent, a late event) leaves the
        concern's row alone: `updated_at` is when the present status was reached (or the watchdog
        last re-drove it), the clock the watchdog and retention read, and rewriting the row (its
        status index makes every update a new row version with an entry in each index) cost intake
        a row per message."""
        line = sa.insert(orm.status_history).values(
            concern_id=concern_id, status=change.status, event_type=change.event_type,
            event_id=event_id, detail=change.detail, at=change.at,
        )
        if not current:
            await self.conn.execute(line)
            return
        await self.conn.execute(
            sa.update(orm.concern).where(orm.concern.c.id == concern_id)
            .values(status=change.status, updated_at=change.at).add_cte(line.cte("history_line")))

    async def list_by_submitter(self, submitted_by: str, limit: int = 100, *, idempotency_key: str | None = None
                                ) -> list[Any]:
        """The concerns this person or system submitted, newest first, each with the Idempotency-Key
        it was sent with (a partner event's id); only the one sent with `idempotency_key` if given."""
        key = orm.idempotency
        query = (sa.select(orm.concern.c.reference, orm.concern.c.status, orm.concern.c.submitted_at,
                           orm.concern.c.updated_at, key.c.key.label("idempotency_key"))
                 .select_from(orm.concern.outerjoin(key, sa.and_(key.c.concern_id == orm.concern.c.id,
                                                                  key.c.scope == submitted_by)))
                 .where(orm.concern.c.submitted_by == submitted_by))
        if idempotency_key is not None:
            query = query.where(key.c.key == idempotency_key)
        result = await self.conn.execute(query.order_by(orm.concern.c.submitted_at.desc()).limit(limit))
        return list(result.all())

    async def touch(self, concern_id: uuid.UUID, at: datetime) -> None:
        await self.conn.execute(
            sa.update(orm.concern).where(orm.concern.c.id == concern_id).values(updated_at=at))

    async def id_of(self, reference: str) -> uuid.UUID | None:
        return await self.conn.scalar(sa.select(orm.concern.c.id).where(orm.concern.c.reference == reference))

    async def same_child(self, concern_id: uuid.UUID) -> list[uuid.UUID]:
        """The concern and every concern about the same child: sharing a match key, or linked either way."""
        m, c = orm.child_match, orm.concern
        keys = sa.select(m.c.match_key).where(m.c.concern_id == concern_id).scalar_subquery()
        by_key = set((await self.conn.execute(sa.select(m.c.concern_id).where(m.c.match_key.in_(keys)))).scalars())
        linked = await self.conn.scalar(sa.select(c.c.linked_concern_ids).where(c.c.id == concern_id)) or []
        linking = set((await self.conn.execute(
            sa.select(c.c.id).where(sa.literal(concern_id, c.c.id.type) == sa.any_(c.c.linked_concern_ids))
        )).scalars())
        return sorted({concern_id, *by_key, *linked, *linking}, key=str)

    async def summaries(self, concern_ids: Sequence[uuid.UUID]) -> list[Any]:
        """Reference, status and submission time of each concern, oldest first (no details)."""
        if not concern_ids:
            return []
        c = orm.concern
        return list((await self.conn.execute(
            sa.select(c.c.reference, c.c.status, c.c.submitted_at).where(c.c.id.in_(list(concern_ids)))
            .order_by(c.c.submitted_at))).all())

    async def erase(self, concern_id: uuid.UUID, change: StatusChange) -> None:
        """Destroy the data key (crypto-shredding), then blank whatever else could point to the child."""
        await at_rest.destroy_data_key(self.conn, orm.data_key, concern_id)
        await self.conn.execute(sa.update(orm.status_history).where(orm.status_history.c.concern_id == concern_id)
                                .values(detail={}))
        await self.conn.execute(sa.delete(orm.child_match).where(orm.child_match.c.concern_id == concern_id))
        await self.conn.execute(sa.delete(orm.idempotency).where(orm.idempotency.c.concern_id == concern_id))
        await self.conn.execute(sa.update(orm.concern).where(orm.concern.c.id == concern_id).values(
            details_encrypted=None, linked_concern_ids=[], erased_at=change.at))
        await self.add_status(concern_id, change)

    async def finished_before(self, cutoff: datetime, statuses: Sequence[str], limit: int) -> list[Any]:
        """Concerns in one of `statuses` since before `cutoff` (retention: their status last moved then;
        a message sent since is no move), locked SKIP LOCKED."""
        c = orm.concern
        return list((await self.conn.execute(
            sa.select(c.c.id, c.c.reference).where(c.c.status.in_(list(statuses)), c.c.updated_at < cutoff)
            .order_by(c.c.updated_at).limit(limit).with_for_update(skip_locked=True))).all())
