"""Early years' settings (env prefix EARLY_YEARS_)."""

from __future__ import annotations

from frontdoor_shared.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class EarlyYearsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EARLY_YEARS_", extra="ignore")

    port: int = 8002
