"""Intake's settings (env prefix INTAKE_), on top of the shared connection settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from frontdoor_shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore")

    port: int = 8000
    public_base_url: str = Field(default="http://127.0.0.1:8000",
                                 description="Where intake's API is reached, for status links")
    notifications_public_key: str | None = Field(
        default=None, description="Notifications' X25519 public key: contact details are sealed for it"
    )
    max_body_bytes: int = 256 * 1024
    watchdog_interval_seconds: float = Field(default=60.0, gt=0, description="How often the watchdog sweeps")
    triage_overdue_minutes: float = Field(default=15.0, gt=0,
                                          description="A concern not triaged this long is re-driven")
    watchdog_raise_after: int = Field(default=3, ge=0, description="Re-drives before it is raised to staff")
    sign_in_return_urls: list[str] = Field(
        default=["http://127.0.0.1:8002", "http://127.0.0.1:8003"],
        description="Other services' base URLs a sign-in may return to (early-years panel, notifications)")
    partner_private_jwk: SecretStr | None = Field(
        default=None, description="Intake's private EC JWK (JSON) that opens partners' encrypted concerns")
    partner_signing_keys_file: Path | None = Field(
        default=None, description="JSON file of each partner's public signing keys "
                                  '({"partners": {"<client id>": {"keys": [<public JWK with kid>]}}}): a partner '
                                  "listed must sign every event it sends")
    unsigned_partner_events: Literal["accept", "refuse"] | None = Field(
        default=None, description="Whether a partner with no registered key may send unsigned events; "
                                  "unset: refuse in production, accept elsewhere")
    data_keys: SecretStr | None = Field(
        default=None, description="Key-encryption keys: a JSON object of key id to base64 32-byte key. They "
                                  "wrap each concern's data key; keep old ones until `frontdoor keys rotate` ran")
    data_key_id: str | None = Field(
        default=None, description="Id of the key in INTAKE_DATA_KEYS that wraps new data keys (the current one)")
    retention_days: int | None = Field(
        default=None, ge=1, description="Erase concerns finished (routed, decided, closed) longer ago than this; "
                                        "unset keeps them")
    match_key: SecretStr = Field(
        default=SecretStr("development-only-match-key"),
        description="Key of the keyed hash used to find the same child across concerns",
    )

    # Staff signing in with the council's own accounts (OpenID Connect, authorization code flow with
    # PKCE): the provider vouches for who they are (its passwords, MFA and policies); their Front
    # Door account (role, organisation, panel, not disabled) is found by the email address it gives
    oidc_discovery_url: str | None = Field(
        default=None, description="The council's OpenID Connect provider: its .well-known/openid-configuration "
                                  "URL (Entra ID: https://login.microsoftonline.com/<tenant>/v2.0/.well-known/"
                                  "openid-configuration); unset: no button to sign in there")
    oidc_client_id: str | None = Field(default=None, description="Intake's client id at the provider")
    oidc_client_secret: SecretStr | None = Field(default=None, description="Intake's client secret at the provider")
    oidc_redirect_url: str | None = Field(
        default=None, description="Intake's callback as registered at the provider (<intake>/sign-in/oidc/callback); "
                                  "unset: from the request's own URL")
    oidc_post_logout_url: str | None = Field(
        default=None, description="Where the provider sends someone back after signing them out there, as "
                                  "registered at the provider (<intake>/sign-in); unset: beside the callback, "
                                  "or from the request's own URL")
    oidc_roles_file: Path | None = Field(
        default=None, description="The council manages who may do what in its own directory: a JSON file "
                                  '({"roles": [{"value": "<group id or app role>", "role": "referrer", '
                                  '"organisation": "...", "panel": null}, ...]}) of which value of the ID '
                                  "token's INTAKE_OIDC_ROLES_CLAIM gives which Front Door role, first match "
                                  "deciding; accounts are then made and kept to it at each sign-in")
    oidc_roles_claim: str = Field(default="groups", description="The ID token's claim the roles file reads "
                                                                 "(Entra ID: groups, or roles for app roles)")
    oidc_email_claim: str = Field(default="email", description="The ID token's claim holding the person's email "
                                                               "address (Entra ID: preferred_username)")
    oidc_button: str = Field(default="Sign in with your council account", max_length=80,
                             description="The words on the button that signs in at the provider")
    password_sign_in: bool = Field(
        default=True, description="false: staff sign in only at the council's provider (the password form is gone)")

    @model_validator(mode="after")
    def _oidc_complete(self) -> IntakeSettings:
        if self.oidc_discovery_url and not (self.oidc_client_id and self.oidc_client_secret):
            raise ValueError("INTAKE_OIDC_CLIENT_ID and INTAKE_OIDC_CLIENT_SECRET must be set with "
                             "INTAKE_OIDC_DISCOVERY_URL")
        if self.oidc_roles_file is not None and not self.oidc_discovery_url:
            raise ValueError("INTAKE_OIDC_ROLES_FILE needs INTAKE_OIDC_DISCOVERY_URL: the roles are read from the "
                             "council's provider")
        if not self.password_sign_in and not self.oidc_discovery_url:
            raise ValueError("INTAKE_PASSWORD_SIGN_IN=false needs INTAKE_OIDC_DISCOVERY_URL: staff must sign in "
                             "somewhere")
        return self

    @field_validator("oidc_discovery_url", "oidc_client_id", "oidc_client_secret", "oidc_redirect_url",
                     "oidc_post_logout_url", "oidc_roles_file", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("retention_days", "partner_signing_keys_file", "unsigned_partner_events", mode="before")
    @classmethod
    def _empty_means_keep(cls, value: Any) -> Any:
        return None if value == "" else value  # compose passes an unset INTAKE_RETENTION_DAYS as ""
