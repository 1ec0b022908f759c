"""Notifications' composition root."""

from __future__ import annotations

from typing import Any

from frontdoor_shared.contracts import CaseListedV1, ConcernSubmittedV1, ConcernTriagedV1, NotificationSentV1
from frontdoor_shared.delivery import publisher_doc, subscribe
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.runtime import Runtime
from frontdoor_shared.sealed import development_keypair

from notifications.adapters.templates import TemplateRenderer
from notifications.config import NotificationsSettings
from notifications.service_layer.notify import Context, notify

SERVICE = "notifications"


def _private_key(settings: NotificationsSettings) -> str:
    if settings.private_key is not None:
        return settings.private_key.get_secret_value()
    if settings.environment == "production":
        raise ValueError("NOTIFICATIONS_PRIVATE_KEY must be set in production")
    return development_keypair()[0]


class Notifications:
    def __init__(self, settings: NotificationsSettings) -> None:
        self.settings = settings
        self.runtime = Runtime(settings, service=SERVICE, schema="notifications")
        self.context = Context(renderer=TemplateRenderer(), private_key=_private_key(settings),
                               council_contact=settings.council_contact)
        subscribe(self.runtime.broker, [ConcernSubmittedV1, ConcernTriagedV1, CaseListedV1],
                  self._on_status, group_id=SERVICE)
        publisher_doc(self.runtime.broker, NotificationSentV1)

    async def _on_status(self, event: CloudEvent, data: Any, topic: str) -> None:
        await notify(self.runtime.uow(), event, data, topic, self.context)
