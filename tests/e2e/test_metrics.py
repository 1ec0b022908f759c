"""Every service serves what an operator alerts on at /metrics (Prometheus text), from its own
database and process: after a concern has gone through, each has published or consumed, nothing
waits in an outbox for long, and no reference or identifier is in the text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support import a_concern, post_concern, status_of, wait_for

pytestmark = pytest.mark.e2e

OWN = {"intake": "frontdoor_watchdog_overdue_now", "triage": None,
       "early-years": "frontdoor_panel_actions_overdue", "notifications": "frontdoor_messages_waiting"}


def _metrics(platform: Any, service: str) -> tuple[str, dict[str, float]]:
    answer = httpx.get(f"http://127.0.0.1:{platform.ports[service]}/metrics", timeout=15)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    samples = {s.name: s.value for family in text_string_to_metric_families(answer.text) for s in family.samples
               if s.labels.get("service") == service}
    return answer.text, samples


def test_every_service_reports_its_outbox_dead_letters_and_own_readings(platform: Any) -> None:
    reference = post_concern(platform, a_concern(age_months=80)).json()["reference"]
    wait_for(lambda: "routed" in [h["status"] for h in status_of(platform, reference)["history"]], 90, "routed")
    for service, own in OWN.items():
        text, samples = _metrics(platform, service)
        assert "frontdoor_outbox_unpublished" in samples, service
        assert samples["frontdoor_outbox_oldest_unpublished_seconds"] < 60, service
        assert "frontdoor_batches_committed_total" in samples, service
        if own:
            assert own in samples, service
        assert reference not in text
    assert _metrics(platform, "intake")[1]["frontdoor_outbox_published_total"] >= 1
    assert _metrics(platform, "triage")[1]["frontdoor_batches_committed_total"] >= 1


def test_every_metric_the_shipped_alerts_name_is_one_the_services_serve(platform: Any) -> None:
    import yaml

    rules = yaml.safe_load((Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "alerts.yml").read_text())
    expressions = [r["expr"] for group in rules["groups"] for r in group["rules"]]
    named = {name for expr in expressions for name in re.findall(r"\bfrontdoor_[a-z_]+", expr)}
    served = {family.name for service in OWN
              for family in text_string_to_metric_families(_metrics(platform, service)[0])}
    assert len(named) >= 5
    assert named <= served, named - served
