"""Notifications' composition root: one object holding the runtime, the channel, the context and
the background loops; tests pass a clock or a channel of their own."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

import structlog

from frontdoor_shared.at_rest import Keyring, rewrap
from frontdoor_shared.auth import AuthSettings, Tokens
from frontdoor_shared.contracts import AccessRevokedV1, ConcernErasedV1, NotificationSentV2
from frontdoor_shared.delivery import publisher_doc, subscribe
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.runtime import Runtime
from frontdoor_shared.sealed import development_keypair
from frontdoor_shared.uow import current_batch
from notifications.adapters import orm
from notifications.adapters.channels import build_channel
from notifications.adapters.channels.base import Channel
from notifications.adapters.templates import TemplateRenderer
from notifications.config import NotificationsSettings
from notifications.service_layer.context import Context, utc_now
from notifications.service_layer.erasure import erase_concern
from notifications.service_layer.events import CONSUMED
from notifications.service_layer.notify import handle_status, handle_statuses
from notifications.service_layer.sender import Sender
from notifications.service_layer.still_waiting import run_still_waiting

SERVICE = "notifications"
log = structlog.get_logger()


def _private_key(settings: NotificationsSettings) -> str:
    if settings.private_key is not None:
        return settings.private_key.get_secret_value()
    if settings.environment == "production":
        raise ValueError("NOTIFICATIONS_PRIVATE_KEY must be set in production")
    return development_keypair()[0]


def keyring_of(settings: NotificationsSettings) -> Keyring:
    """The key-encryption keys from NOTIFICATIONS_DATA_KEYS; the development key outside production only."""
    return Keyring.from_config(settings.data_keys.get_secret_value() if settings.data_keys else None,
                               settings.data_key_id, service=SERVICE, production=settings.environment == "production",
                               setting="NOTIFICATIONS")


class Notifications:
    def __init__(self, settings: NotificationsSettings, *, clock: Callable[[], datetime] | None = None,
                 channel: Channel | None = None) -> None:
        self.settings = settings
        self.runtime = Runtime(settings, service=SERVICE, schema="notifications")
        self.channel = channel or build_channel(settings)
        self.context = Context(settings=settings, renderer=TemplateRenderer(council=settings.templates_dir),
                               private_key=_private_key(settings), provider=self.channel.name,
                               kinds=self.channel.kinds, keyring=keyring_of(settings),
                               clock=clock or utc_now)
        self.sender = Sender(self.runtime, self.channel, self.context)
        self.revocations = self.runtime.keep_revocations()
        self.tokens = Tokens(AuthSettings(), self.revocations.memory)
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        # the consumer waits before a batch while the sender is full (backpressure, `Sender.room`)
        self.consumer = subscribe(self.runtime.broker, [*CONSUMED, ConcernErasedV1, AccessRevokedV1], self._on_status,
                                  group_id=SERVICE, batch_handlers=dict.fromkeys(CONSUMED, self._on_statuses),
                                  before_batch=self.sender.room)
        publisher_doc(self.runtime.broker, NotificationSentV2)

    async def _on_status(self, event: CloudEvent, data: Any, topic: str) -> None:
        if isinstance(data, ConcernErasedV1):
            await erase_concern(self.runtime.uow(), event, data, topic)
            return
        if isinstance(data, AccessRevokedV1):
            await self.revocations.remember(self.runtime.uow(), event, data, topic)
            return
        await handle_status(self.runtime.uow(), event, data, topic, self.context)
        self.runtime.after_commit(self.sender.wake)

    async def _on_statuses(self, items: list[tuple[CloudEvent, Any, str]]) -> None:
        # inside a consumed batch the messages are taken for this sender as they are recorded and
        # handed to it when the batch commits (dropped with the batch if it rolls back), unless it
        # still holds its most after the consumer was held back for it (`Sender.room`): then they
        # wait, pending, for its rounds
        lease = current_batch.get() is not None and self.sender.can_take()
        recorded = await handle_statuses(self.runtime.uow(), items, self.context, lease=lease)
        if recorded.leased:
            self.runtime.after_commit(functools.partial(self.sender.hand_over, recorded.leased))
        if recorded.for_next_round or not lease:
            self.runtime.after_commit(self.sender.wake)

    async def start(self) -> None:
        """Consumers and outbox relay (and the sessions ended), then the sender and the
        still-waiting reminders."""
        if self.settings.environment == "production" and self.channel.name == "dev-mailbox":
            log.warning("notifications.dev_mailbox_in_production")
        await self.runtime.start()
        self._stop.clear()
        self._tasks = [
            asyncio.create_task(self.sender.run(self._stop), name="sender"),
            asyncio.create_task(run_still_waiting(self.runtime.uow, self.context, self._stop, self.sender.wake),
                                name="still-waiting"),
        ]

    async def stop(self) -> None:
        self._stop.set()
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=15)  # errors were logged where they ended
            for task in late:
                task.cancel()
        await self.runtime.stop()
        await self.channel.close()

    async def rotate_keys(self) -> int:
        """Re-wrap every concern's message data key under the current key-encryption key."""
        return await rewrap(self.runtime.engine, orm.data_key, self.context.keyring)

    def stopped_loops(self) -> list[str]:
        """Background loops that ended on their own: a bug, to be seen on /health."""
        return [t.get_name() for t in self._tasks if t.done()]
