"""The pool keeps every connection it opens: a connection past the pool's size (an overflow one) is
closed when returned, so under load a pool with overflow keeps opening PostgreSQL backends, each
introspecting types and preparing every statement again."""

from __future__ import annotations

from frontdoor_shared.db import make_engine


def test_the_pool_has_no_overflow_and_the_old_ceiling() -> None:
    engine = make_engine("postgresql://postgres@127.0.0.1:1/none")  # never connects
    pool = engine.sync_engine.pool
    assert pool.size() == 20
    assert pool._max_overflow == 0  # type: ignore[attr-defined]


def test_a_statement_text_is_parsed_once_and_shared() -> None:
    from frontdoor_shared.db import sql

    text = "SELECT concern_id FROM x WHERE id = ANY(CAST(:ids AS uuid[])) AND s = :s"
    first = sql(text)
    assert sql("".join(text)) is first  # the same text, however built: the same parsed clause
    assert set(first._bindparams) == {"ids", "s"}  # still a bound statement
    assert sql(text + " ") is not first
