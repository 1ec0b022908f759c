"""Data keys read for many owners at once, against the real PostgreSQL: the right keys, and one
prepared statement whatever the number of owners (an `IN` list prepared one statement per length
on every pooled connection, and the sender's memory grew with each new batch size)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from frontdoor_cli.testing import fresh_database
from frontdoor_shared.at_rest import DataKeys, Keyring, data_key_table, development_key
from frontdoor_shared.db import make_engine

pytestmark = pytest.mark.integration


async def test_keys_of_many_owners_come_from_one_statement_whatever_their_number(test_stack: Any) -> None:
    url = await asyncio.to_thread(fresh_database, test_stack)
    metadata = sa.MetaData()
    table = data_key_table(metadata, "keys_test")
    keyring = Keyring({"k1": development_key("keys-test")}, "k1")
    engine = make_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("CREATE SCHEMA keys_test"))
            await conn.run_sync(metadata.create_all)
        owners = [uuid.uuid4() for _ in range(40)]
        async with engine.begin() as conn:
            made = await DataKeys(conn, table, keyring).get_or_create_many(set(owners[:30]))
        async with engine.connect() as conn:
            keys = DataKeys(conn, table, keyring)
            for n in range(1, 41):  # 1 to 40 owners, the last ten without a key
                got = await keys.get_many(set(owners[:n]))
                assert got == {o: made[o] for o in owners[:min(n, 30)]}
            prepared = list(await conn.scalars(sa.text(
                "SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%keys_test.data_key%'"
                " AND statement LIKE 'SELECT%' AND statement NOT LIKE '%pg_prepared_statements%'")))
    finally:
        await engine.dispose()
    assert len(prepared) == 1, prepared
