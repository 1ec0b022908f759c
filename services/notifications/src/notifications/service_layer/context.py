"""What every use case needs: settings, templates, the key that opens contact details, the
channel's abilities, and a clock tests can move."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from frontdoor_shared.at_rest import Keyring
from frontdoor_shared.sealed import open_sealed
from notifications.adapters.templates import TemplateRenderer
from notifications.config import NotificationsSettings


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Context:
    settings: NotificationsSettings
    renderer: TemplateRenderer
    private_key: str
    provider: str  # dev-mailbox, notify or smtp
    kinds: frozenset[str]  # what the provider can carry: email, sms, letter
    keyring: Keyring  # key-encryption keys: messages are encrypted at rest
    clock: Callable[[], datetime] = field(default=utc_now)

    def people(self, sealed: str) -> dict[str, Any]:
        """Open the contact details intake sealed for this service alone."""
        return json.loads(open_sealed(self.private_key, sealed))  # type: ignore[no-any-return]

    def note(self, data: Any) -> str | None:
        """The panel chair's note, which early years sealed for this service alone (None if none)."""
        sealed = data.__dict__.get("note_sealed")  # a field only panel decisions have (see events._fields)
        return open_sealed(self.private_key, sealed).decode() if sealed else None
