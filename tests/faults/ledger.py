"""A ledger of what the platform accepted, and the checks every fault scenario makes afterwards."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

from frontdoor_cli.platform import Platform
from tests.support import a_concern, mailbox, post_concern, status_of, wait_for

FAMILY_TEMPLATES = ["family/case-listed", "family/concern-submitted", "family/concern-triaged-panel"]


@dataclass
class Ledger:
    accepted: list[str] = field(default_factory=list)
    refused: int = 0

    def stream(self, platform: Platform, count: int, per_second: float, stop: threading.Event) -> None:
        """Post `count` concerns at a steady rate; record each one the platform accepted (202)."""
        for i in range(count):
            if stop.is_set():
                return
            try:
                r = post_concern(platform, a_concern(age_months=20 + i % 30, given_name=f"Child{i}"))
                if r.status_code == 202:
                    self.accepted.append(r.json()["reference"])
                else:
                    self.refused += 1
            except httpx.HTTPError:
                self.refused += 1  # not accepted: the referrer saw an error and would resend
            time.sleep(1 / per_second)


@dataclass
class Outcome:
    accepted: int
    completed: int
    lost: int
    duplicated: int
    recovery_seconds: float

    def line(self, name: str) -> str:
        return (f"{name}: accepted={self.accepted} completed={self.completed} lost={self.lost} "
                f"duplicated={self.duplicated} recovery={self.recovery_seconds:.1f}s")


def _complete(platform: Platform, reference: str) -> bool:
    statuses = [h["status"] for h in status_of(platform, reference)["history"]]
    family = [m for m in mailbox(platform, reference) if m["audience"] == "family"]
    return "listed-for-panel" in statuses and len(family) >= len(FAMILY_TEMPLATES)


def settle(platform: Platform, ledger: Ledger, started: float, timeout: float = 150) -> Outcome:
    pending = list(ledger.accepted)

    def done() -> bool:
        pending[:] = [r for r in pending if not _complete(platform, r)]
        return not pending

    try:
        wait_for(done, timeout, "every accepted concern reaches the panel and the family hears")
    except AssertionError:
        pass
    duplicated = 0
    for reference in ledger.accepted:
        templates = Counter(m["template"] for m in mailbox(platform, reference))
        statuses = Counter(h["status"] for h in status_of(platform, reference)["history"])
        duplicated += sum(n - 1 for n in templates.values() if n > 1)
        duplicated += sum(statuses[s] - 1 for s in ("triaged", "listed-for-panel") if statuses[s] > 1)
    return Outcome(len(ledger.accepted), len(ledger.accepted) - len(pending), len(pending), duplicated,
                   time.monotonic() - started)


# Which services consume each internal topic: every published event must reach each one's inbox.
CONSUMERS = {
    "intake.concern-submitted.v1": ("triage", "notifications"),
    "triage.concern-triaged.v1": ("early_years", "notifications", "intake"),
    "early-years.case-listed.v1": ("notifications", "intake"),
    "notifications.notification-sent.v2": ("intake",),
}


async def _delivery_gaps(database_url: str) -> dict[str, int]:
    import sqlalchemy as sa

    from frontdoor_shared.db import make_engine

    engine = make_engine(database_url, pool_size=1)
    gaps: dict[str, int] = {}
    try:
        async with engine.connect() as conn:
            for schema in ("intake", "triage", "early_years", "notifications"):
                unpublished = await conn.scalar(sa.text(
                    f"SELECT count(*) FROM {schema}.outbox WHERE published_at IS NULL"))
                gaps[f"{schema}.outbox unpublished"] = int(unpublished or 0)
                for topic, consumers in CONSUMERS.items():
                    for consumer in consumers:
                        missing = await conn.scalar(sa.text(
                            f"SELECT count(*) FROM {schema}.outbox o WHERE o.topic = :t AND NOT EXISTS "
                            f"(SELECT 1 FROM {consumer}.inbox i WHERE i.event_id = o.event_id)"), {"t": topic})
                        if missing:
                            gaps[f"{topic} -> {consumer}"] = int(missing)
    finally:
        await engine.dispose()
    return {k: v for k, v in gaps.items() if v}


def delivery_gaps(database_url: str) -> dict[str, int]:
    """Judged from the databases: unpublished outbox rows and events missing from a consumer's inbox."""
    import asyncio

    return asyncio.run(_delivery_gaps(database_url))


def wait_drained(platform: Platform, timeout: float = 120) -> None:
    wait_for(lambda: not delivery_gaps(platform.database_url), timeout,
             "every outbox drained and every event in each consumer's inbox")
