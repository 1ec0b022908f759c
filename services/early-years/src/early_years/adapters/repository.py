"""Early years' repository."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from early_years.adapters import orm


class CaseRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, **values: Any) -> None:
        await self.conn.execute(sa.insert(orm.panel_case).values(**values))

    async def listed(self) -> list[Any]:
        return list((await self.conn.execute(
            sa.select(orm.panel_case).where(orm.panel_case.c.status == "listed"))).all())
