"""The consumer's fetch wait follows the service's settings: Tansu (the embedded broker) answers a
fetch only when its wait ends, so there it is short (50 ms bounds each hop); Kafka answers as soon as
an event comes, so a deployment on Kafka sets it long (docker-compose: 500 ms) and idles cheaper
(measured on Tansu: the idle stack 12% of two cores at 50 ms, 5% at 500 ms)."""

from __future__ import annotations

from typing import Any

from frontdoor_shared.contracts import ConcernSubmittedV1
from frontdoor_shared.delivery import subscribe
from frontdoor_shared.runtime import Runtime
from frontdoor_shared.settings import ServiceSettings


def _fetch_wait(**env: Any) -> int:
    runtime = Runtime(ServiceSettings(**env), service="settingstest", schema="settingstest")

    async def handle(*_: Any) -> None:
        return None

    subscribe(runtime.broker, ConcernSubmittedV1, handle, group_id="settingstest")
    (subscriber,) = runtime.broker.subscribers
    return int(subscriber._connection_args["fetch_max_wait_ms"])  # type: ignore[attr-defined]


def test_the_fetch_wait_is_short_by_default_for_the_embedded_broker() -> None:
    # Tansu answers a waiting fetch late: 150 ms keeps a hop ~15 ms (aiokafka's 500 made it ~115)
    assert _fetch_wait() == 150


def test_a_deployment_on_kafka_can_wait_longer_between_fetches() -> None:
    assert _fetch_wait(FRONTDOOR_FETCH_MAX_WAIT_MS=500) == 500
