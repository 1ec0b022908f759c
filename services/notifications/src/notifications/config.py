"""Notifications' settings (env prefix NOTIFICATIONS_)."""

from __future__ import annotations

from frontdoor_shared.settings import ServiceSettings
from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    port: int = 8003
    private_key: SecretStr | None = Field(
        default=None, description="X25519 private key that opens contact details sealed by intake")
    channel: str = Field(default="dev-mailbox", description="dev-mailbox, notify or smtp")
    council_name: str = "Front Door Model Council"
    council_contact: str = "the SEND team on 0300 000 0000 or send@frontdoor.example"
