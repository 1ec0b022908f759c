"""What an operator watches and alerts on, at `GET /metrics` on every service (Prometheus text).

Read from the service's own database at each scrape (the truth, never the broker's offsets): events
written but not yet published (and how long the oldest has waited: a relay that stopped shows
here first), events dead-lettered and not replayed, by topic; and from the process: events
published, batches committed. Each service adds what it alone knows (intake's watchdog, the
messages notifications has still to send, the panel's overdue actions). Counts and ages only:
no reference, no identifier, no free text. Serve it to the monitoring network only, and in
production to a scrape that sends the deployment's `FRONTDOOR_METRICS_TOKEN` as a bearer token.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence

import sqlalchemy as sa
from fastapi import FastAPI, Request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from frontdoor_shared.runtime import Runtime

__all__ = ["Metric", "Metrics", "Readings", "counter", "gauge", "serve_metrics"]

# a service's own readings: from its database at the scrape, or from the process
Readings = Callable[[AsyncConnection], Awaitable[Iterable[Metric]]]


def gauge(name: str, documentation: str, value: float) -> Metric:
    family = GaugeMetricFamily(name, documentation)
    family.add_metric([], value)
    return family


def counter(name: str, documentation: str, value: float) -> Metric:
    family = CounterMetricFamily(name, documentation)
    family.add_metric([], value)
    return family


class _Families(Collector):
    def __init__(self, families: Sequence[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        yield from self._families


class Metrics:
    """One service's metrics; `service` is a constant label (one scrape target per service)."""

    def __init__(self, runtime: Runtime, *, readings: Readings | None = None,
                 counters: Callable[[], Iterable[Metric]] | None = None) -> None:
        self._runtime = runtime
        self._readings = readings
        self._counters = counters

    async def families(self) -> list[Metric]:
        schema = self._runtime.schema
        found: list[Metric] = []
        async with self._runtime.engine.connect() as conn:
            waiting, oldest = (await conn.execute(sa.text(
                f"SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0) "
                f"FROM {schema}.outbox WHERE published_at IS NULL"))).one()
            dead = (await conn.execute(sa.text(
                f"SELECT topic, count(*) FROM {schema}.dead_letter WHERE replayed_at IS NULL "
                "GROUP BY topic ORDER BY topic"))).all()
            if self._readings is not None:
                found.extend(await self._readings(conn))
        found.append(gauge("frontdoor_outbox_unpublished", "Events written but not yet published", waiting))
        found.append(gauge("frontdoor_outbox_oldest_unpublished_seconds",
                           "How long the oldest event not yet published has waited (0: none waits)", float(oldest)))
        dead_letters = GaugeMetricFamily("frontdoor_dead_letters", "Events dead-lettered and not replayed, by topic",
                                         labels=["topic"])
        for topic, count in dead:
            dead_letters.add_metric([topic], count)
        found.append(dead_letters)
        relay = self._runtime.relay
        found.append(counter("frontdoor_outbox_published", "Events published since the process started",
                             relay.published_total if relay else 0))
        found.append(counter("frontdoor_batches_committed", "Consumed batches committed since the process started",
                             self._runtime.batches_committed))
        if self._counters is not None:
            found.extend(self._counters())
        for family in found:
            for sample in family.samples:
                sample.labels.setdefault("service", self._runtime.service)
        return found

    async def response(self) -> Response:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Families(await self.families()))
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def scrape_allowed(authorization: str | None, token: SecretStr | None) -> bool:
    """Whether a scrape may read /metrics: any, when no token is set (development); else only one
    sending it as a bearer token (compared in constant time)."""
    if token is None or not token.get_secret_value():
        return True
    scheme, _, sent = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.get_secret_value().encode())


def serve_metrics(app: FastAPI, metrics: Metrics, token: SecretStr | None = None) -> None:
    """`GET /metrics` on the service's app, for a scrape that sends `token` (when one is set)."""

    async def metrics_page(request: Request) -> Response:
        """Prometheus text: outbox backlog and its oldest event's wait, dead letters by topic,
        events published, batches committed, and this service's own readings. Needs the
        deployment's metrics token as a bearer token, where one is set."""
        if not scrape_allowed(request.headers.get("authorization"), token):
            return Response("send the deployment's metrics token as a bearer token\n", status_code=401,
                            media_type="text/plain", headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
        return await metrics.response()

    app.add_api_route("/metrics", metrics_page, methods=["GET"], tags=["ops"], response_class=Response,
                      responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text"},
                                 401: {"description": "The metrics token was not sent, or not the right one"}})
