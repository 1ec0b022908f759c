"""Local staff accounts and partner clients (the embedded stack's identity provider)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.adapters import orm


class AccountRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def user_by_email(self, email: str) -> Any:
        return (await self.conn.execute(sa.select(orm.staff_user).where(
            sa.func.lower(orm.staff_user.c.email) == email.strip().lower()))).first()

    async def user_by_id(self, user_id: str) -> Any:
        return (await self.conn.execute(sa.select(orm.staff_user).where(orm.staff_user.c.id == user_id))).first()

    async def client(self, client_id: str) -> Any:
        return (await self.conn.execute(
            sa.select(orm.partner_client).where(orm.partner_client.c.client_id == client_id))).first()

    async def upsert_user(self, **values: Any) -> None:
        stmt = insert(orm.staff_user).values(**values)
        await self.conn.execute(stmt.on_conflict_do_update(
            index_elements=[orm.staff_user.c.id], set_={k: stmt.excluded[k] for k in values if k != "id"}))

    async def upsert_client(self, **values: Any) -> None:
        stmt = insert(orm.partner_client).values(**values)
        await self.conn.execute(stmt.on_conflict_do_update(
            index_elements=[orm.partner_client.c.client_id],
            set_={k: stmt.excluded[k] for k in values if k != "client_id"}))

    async def add_user(self, **values: Any) -> bool:
        """A new account; False when its id or email address is taken (by a concurrent add too)."""
        result = await self.conn.execute(insert(orm.staff_user).values(**values).on_conflict_do_nothing()
                                         .returning(orm.staff_user.c.id))
        return result.first() is not None

    async def add_client(self, **values: Any) -> bool:
        """A new partner system; False when its client id is taken (never overwriting its secret)."""
        result = await self.conn.execute(insert(orm.partner_client).values(**values).on_conflict_do_nothing()
                                         .returning(orm.partner_client.c.client_id))
        return result.first() is not None

    async def set_user(self, email: str, **values: Any) -> bool:
        result = await self.conn.execute(sa.update(orm.staff_user).where(
            sa.func.lower(orm.staff_user.c.email) == email.strip().lower()).values(**values))
        return bool(result.rowcount)

    async def set_client(self, client_id: str, **values: Any) -> bool:
        result = await self.conn.execute(sa.update(orm.partner_client).where(
            orm.partner_client.c.client_id == client_id).values(**values))
        return bool(result.rowcount)

    async def everyone(self) -> tuple[list[Any], list[Any]]:
        u, c = orm.staff_user.c, orm.partner_client.c
        users = (await self.conn.execute(sa.select(u.id, u.email, u.name, u.role, u.organisation, u.panel_id,
                                                   u.disabled, u.managed_by).order_by(u.email))).all()
        clients = (await self.conn.execute(sa.select(c.client_id, c.name, c.scopes, c.disabled, c.status_events)
                                           .order_by(c.client_id))).all()
        return list(users), list(clients)
