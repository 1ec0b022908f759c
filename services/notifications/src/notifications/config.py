"""Notifications' settings (env prefix NOTIFICATIONS_)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from frontdoor_shared.settings import ServiceSettings
from frontdoor_shared.topics import PATHWAYS

NOTIFY_URL = "https://api.notifications.service.gov.uk"


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    port: int = 8003
    private_key: SecretStr | None = Field(
        default=None, description="X25519 private key that opens contact details sealed by intake")
    data_keys: SecretStr | None = Field(
        default=None, description="Key-encryption keys for messages at rest: a JSON object of key id to base64 "
                                  "32-byte key; keep old ones until `frontdoor keys rotate` re-wrapped")
    data_key_id: str | None = Field(
        default=None, description="Id of the key in NOTIFICATIONS_DATA_KEYS that wraps new data keys")
    channel: Literal["dev-mailbox", "notify", "smtp"] = Field(
        default="dev-mailbox", description="How messages leave: the dev mailbox, GOV.UK Notify or SMTP")
    # the deployment's FRONTDOOR_COUNCIL_NAME and _CONTACT unless this service is told otherwise
    templates_dir: Path | None = Field(
        default=None, description="The council's own wording: a folder laid out like the built-in templates "
                                  "(a file replaces the built-in one of the same path; <language>/family/<name>.txt "
                                  "is the letter for a family whose preferred language it is); checked at start-up")
    @field_validator("templates_dir", mode="before")
    @classmethod
    def _empty_means_built_in(cls, value: object) -> object:
        return None if value == "" else value

    council_name: str = Field(
        default=ServiceSettings.model_fields["council_name"].default,
        validation_alias=AliasChoices("NOTIFICATIONS_COUNCIL_NAME", "FRONTDOOR_COUNCIL_NAME"))
    council_contact: str = Field(
        default=ServiceSettings.model_fields["council_contact"].default,
        validation_alias=AliasChoices("NOTIFICATIONS_COUNCIL_CONTACT", "FRONTDOOR_COUNCIL_CONTACT"))
    sendiass_contact: str = Field(
        default="your local SEND Information, Advice and Support Service (SENDIASS) on 0300 000 0001",
        description="Free, impartial advice for families, named in every decision message")
    staff_email: str = Field(default="send-team@frontdoor.example",
                             description="Council mailbox told of failed messages and overdue actions")
    safeguarding_email: str = Field(default="safeguarding@frontdoor.example",
                                    description="The council's safeguarding front door mailbox")

    notify_api_key: SecretStr | None = Field(default=None, description="GOV.UK Notify API key")
    notify_base_url: str = NOTIFY_URL
    notify_email_template_id: str | None = Field(
        default=None, description="Notify email template with ((subject)) and ((body))")
    notify_sms_template_id: str | None = Field(default=None, description="Notify text message template with ((body))")
    notify_letter_template_id: str | None = Field(
        default=None, description="Notify letter template with ((subject)) and ((body))")
    notify_callback_token: SecretStr | None = Field(
        default=None, description="Bearer token Notify sends with delivery receipts")
    notify_timeout_seconds: float = Field(default=10.0, gt=0)

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_from: str = "Front Door <no-reply@frontdoor.example>"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)

    send_batch: int = Field(default=250, ge=1, description="Messages the sender takes per round")
    send_poll_seconds: float = Field(default=1.0, gt=0, description="How often the sender looks for due messages")
    send_lease_seconds: float = Field(
        default=120.0, gt=0, description="How long a taken message is held before another sender may retry it")
    retry_base_seconds: float = Field(default=30.0, gt=0, description="First wait after a temporary failure")
    retry_max_seconds: float = Field(default=3600.0, gt=0, description="Longest wait between attempts")
    max_attempts: int = Field(default=10, ge=1, description="Attempts before a message counts as failed")

    recipient_wait_minutes: int = Field(
        default=60, ge=1,
        description="How long an event may wait for its concern's contact details before staff are told")
    still_waiting_days: int = Field(default=20, ge=1, description="Days without a status change before a reminder")
    still_waiting_interval_seconds: float = Field(default=3600.0, gt=0)
    chase_pathways: str = Field(
        default="slcn,outreach,sen-support,universal-advice", description=(
            "Pathways whose team the council chases when the date the family was given for the team's first "
            "contact passes with no answer (accepted, an appointment, declined: the team's report or staff "
            "recording it): staff are asked to follow it up and the family told they are. Comma-separated; "
            "empty turns chasing off. The statutory pathway's date is the council's own decision, not a team's"))

    @field_validator("chase_pathways")
    @classmethod
    def _known_pathways(cls, value: str) -> str:
        unknown = sorted({p.strip() for p in value.split(",") if p.strip()} - set(PATHWAYS))
        if unknown:
            raise ValueError(f"unknown pathway {', '.join(unknown)}; expected some of {', '.join(PATHWAYS)}")
        return value

    @property
    def chased(self) -> frozenset[str]:
        """The pathways in `chase_pathways`."""
        return frozenset(p.strip() for p in self.chase_pathways.split(",") if p.strip())

    status_link_days: int = Field(default=180, ge=1, description="How long a family's private link works")
    public_base_url: str = Field(default="http://127.0.0.1:8003", description="Where families reach /status")
    referrer_url: str = Field(default="http://127.0.0.1:8000", description=(
        "Where referrers sign in to follow their concerns and answer the council's questions (intake's web "
        "form): the referrer's messages link to /concerns/<reference> there"))

    @model_validator(mode="after")
    def _notify_is_configured(self) -> NotificationsSettings:
        if self.channel == "notify":
            missing = [name for name in ("notify_api_key", "notify_email_template_id", "notify_sms_template_id",
                                         "notify_letter_template_id", "notify_callback_token")
                       if getattr(self, name) is None]
            if missing:
                raise ValueError("NOTIFICATIONS_CHANNEL=notify needs " + ", ".join(
                    f"NOTIFICATIONS_{m.upper()}" for m in missing))
        return self
