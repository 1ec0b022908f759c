"""Kafka client plumbing: producers that wait for every in-sync replica, and topic creation.

Idempotent producing is off on purpose: Tansu (the embedded broker) rejects it, and exactly-once
effects come from the inbox in PostgreSQL, not from broker features.
"""

from __future__ import annotations

import contextlib

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from frontdoor_shared import topics as topic_names


def make_producer(bootstrap: str, client_id: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=False,
        linger_ms=2,
        max_batch_size=512 * 1024,
        request_timeout_ms=15000,
        retry_backoff_ms=200,
    )


async def ensure_topics(bootstrap: str, partitions: int, names: list[str] | None = None) -> list[str]:
    """Create any missing topic; return the ones created. Safe to call from every service."""
    wanted = names or topic_names.all_topics()
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="frontdoor-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        if missing:
            # another service may create one between our list and create: the goal is met
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(
                    [NewTopic(t, num_partitions=topic_names.partitions_of(t, partitions), replication_factor=1)
                     for t in missing]
                )
        return missing
    finally:
        await admin.close()
