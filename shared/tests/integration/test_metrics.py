"""What an operator alerts on, read from the service's own PostgreSQL at each scrape: events
written and not published (and how long the oldest has waited: a stopped relay shows here), dead
letters not replayed by topic, and the service's own readings; every sample labelled with the
service; nothing else (no reference, no identifier)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from frontdoor_shared.metrics import Metrics, gauge
from frontdoor_shared.runtime import Runtime
from frontdoor_shared.settings import ServiceSettings

pytestmark = pytest.mark.integration


@pytest.fixture
async def runtime(test_stack):  # type: ignore[no-untyped-def]
    schema = f"metricstest_{uuid.uuid4().hex[:8]}"
    settings = ServiceSettings(DATABASE_URL=test_stack.database_url, KAFKA_BOOTSTRAP_SERVERS=test_stack.bootstrap)
    rt = Runtime(settings, service="metrics-test", schema=schema)  # not started: no relay publishes
    async with rt.engine.begin() as conn:
        await conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        await conn.run_sync(rt.metadata.create_all)
    yield rt
    async with rt.engine.begin() as conn:
        await conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    await rt.engine.dispose()


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def _scrape(metrics: Metrics) -> tuple[str, dict[Any, float]]:
    response = await metrics.response()
    assert response.media_type is not None
    assert response.media_type.startswith("text/plain")
    text = bytes(response.body).decode()
    return text, _samples(text)


async def test_a_stuck_outbox_and_dead_letters_show_and_clear(runtime: Runtime) -> None:
    service = (("service", "metrics-test"),)
    metrics = Metrics(runtime, readings=lambda conn: _readings(conn, runtime.schema))
    _, quiet = await _scrape(metrics)
    assert quiet[("frontdoor_outbox_unpublished", service)] == 0
    assert quiet[("frontdoor_outbox_oldest_unpublished_seconds", service)] == 0
    assert not [k for k in quiet if k[0] == "frontdoor_dead_letters"]

    t = runtime.tables
    async with runtime.engine.begin() as conn:
        await conn.execute(sa.insert(t.outbox), [
            {"event_id": f"e{i}", "topic": "intake.concern-submitted.v1", "key": "k", "event_type": "x",
             "payload": b"{}", "created_at": datetime.now(UTC) - timedelta(seconds=30 + i)}
            for i in range(3)])
        await conn.execute(sa.insert(t.outbox).values(event_id="sent", topic="t", key="k", event_type="x",
                                                      payload=b"{}", published_at=sa.func.now()))
        await conn.execute(sa.insert(t.dead_letter), [
            {"topic": topic, "partition": 0, "offset": n, "consumer_group": "g", "reason": "poison",
             "error_type": "ValidationError", "replayed_at": replayed}
            for n, (topic, replayed) in enumerate([("a.v1", None), ("a.v1", None), ("b.v1", None),
                                                    ("b.v1", datetime.now(UTC))])])
    text, stuck = await _scrape(metrics)
    assert stuck[("frontdoor_outbox_unpublished", service)] == 3
    assert 32 <= stuck[("frontdoor_outbox_oldest_unpublished_seconds", service)] < 120
    assert stuck[("frontdoor_dead_letters", (("service", "metrics-test"), ("topic", "a.v1")))] == 2
    assert stuck[("frontdoor_dead_letters", (("service", "metrics-test"), ("topic", "b.v1")))] == 1  # one replayed
    assert stuck[("frontdoor_outbox_published_total", service)] == 0
    assert stuck[("frontdoor_test_rows", service)] == 4  # the service's own reading, from its database
    assert "# TYPE frontdoor_outbox_published_total counter" in text

    async with runtime.engine.begin() as conn:
        await conn.execute(sa.update(t.outbox).values(published_at=sa.func.now()))
    _, cleared = await _scrape(metrics)
    assert cleared[("frontdoor_outbox_unpublished", service)] == 0
    assert cleared[("frontdoor_outbox_oldest_unpublished_seconds", service)] == 0


async def _readings(conn: Any, schema: str) -> list[Any]:
    rows = await conn.scalar(sa.text(f"SELECT count(*) FROM {schema}.outbox"))
    return [gauge("frontdoor_test_rows", "Outbox rows, as a service's own reading", rows)]


async def test_with_a_token_set_only_a_scrape_that_sends_it_reads_the_metrics(runtime: Runtime) -> None:
    import httpx
    from fastapi import FastAPI
    from pydantic import SecretStr

    from frontdoor_shared.metrics import serve_metrics

    token = "t" * 40
    guarded, open_app = FastAPI(), FastAPI()
    serve_metrics(guarded, Metrics(runtime), SecretStr(token))
    serve_metrics(open_app, Metrics(runtime))  # development: no token set
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=guarded), base_url="http://svc") as http:
        none = await http.get("/metrics")
        wrong = await http.get("/metrics", headers={"Authorization": f"Bearer {'u' * 40}"})
        basic = await http.get("/metrics", headers={"Authorization": f"Basic {token}"})
        right = await http.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=open_app), base_url="http://svc") as http:
        development = await http.get("/metrics")
    assert [r.status_code for r in (none, wrong, basic)] == [401, 401, 401]
    assert none.headers["www-authenticate"] == 'Bearer realm="metrics"'
    assert "frontdoor_outbox_unpublished" not in none.text + wrong.text + basic.text
    assert right.status_code == 200
    assert ("frontdoor_outbox_unpublished", (("service", "metrics-test"),)) in _samples(right.text)
    assert development.status_code == 200
    assert "frontdoor_outbox_unpublished" in development.text


def test_production_needs_a_metrics_token_of_32_characters_or_more() -> None:
    production = {"FRONTDOOR_ENV": "production", "DATABASE_URL": "postgresql://db.example/fd"}
    with pytest.raises(ValueError, match="FRONTDOOR_METRICS_TOKEN must be set in production"):
        ServiceSettings(**production)
    with pytest.raises(ValueError, match="at least 32 characters"):
        ServiceSettings(**production, FRONTDOOR_METRICS_TOKEN="short")
    assert ServiceSettings(**production, FRONTDOOR_METRICS_TOKEN="m" * 32).metrics_token is not None
    assert ServiceSettings().metrics_token is None  # development: open, on the machine's own address
