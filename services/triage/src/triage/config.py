"""Triage's settings (env prefix TRIAGE_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from frontdoor_shared.settings import ServiceSettings

DEFAULT_POLICY = Path(__file__).resolve().parent / "policies" / "default.yaml"


class TriageSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TRIAGE_", extra="ignore")

    port: int = 8001
    policy_file: Path = Field(default=DEFAULT_POLICY, description="The council's ranges policy (YAML)")
    intake_base_url: str = Field(default="http://127.0.0.1:8000",
                                 description="Base of the claim-check link in routed referrals")
