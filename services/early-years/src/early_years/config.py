"""Early years' settings (env prefix EARLY_YEARS_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from frontdoor_shared.settings import ServiceSettings

DEMO_PANEL = "demo-early-years-panel"


class MemberSeed(BaseModel):
    """A member of the panel: their account's subject, a display name and the agency they speak for."""

    subject: str
    name: str
    agency: str
    role: str = "panel-member"


DEMO_MEMBERS = [
    MemberSeed(subject="panel-chair", name="Priya Chair", agency="send", role="panel-chair"),
    MemberSeed(subject="panel-health", name="Dr Owen Health", agency="health"),
    MemberSeed(subject="panel-slt", name="Sian Therapist", agency="speech-and-language"),
    MemberSeed(subject="panel-early-years", name="Ezra Years", agency="early-years"),
]


class EarlyYearsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EARLY_YEARS_", extra="ignore")

    port: int = 8002
    public_base_url: str = Field(default="http://127.0.0.1:8002",
                                 description="Where the panel's pages are reached (sign-in returns here)")
    sign_in_url: str = Field(default="http://127.0.0.1:8000/sign-in", description="Intake's staff sign-in page")
    intake_api_url: str = Field(default="http://127.0.0.1:8000/api/v1",
                                description="Intake's JSON API: a case's evidence is read from it, as the member")
    panel_id: str = Field(default=DEMO_PANEL, description="The panel new cases are listed for")
    panel_name: str = Field(default="Early years inclusion panel", description="Its name on the pages")
    seed_panel: bool = Field(default=True,
                             description="On start-up, create the panel, its members and its next meeting")
    members: list[MemberSeed] = Field(default_factory=lambda: list(DEMO_MEMBERS),
                                      description="The panel's members (JSON), seeded on start-up")
    meeting_interval_days: int = Field(default=14, ge=1, description="The panel meets this often")
    timezone: str = Field(default="Europe/London", description="Where 'today' is decided")
    vocabulary_file: Path | None = Field(default=None, description=(
        "The council's panel vocabulary (agencies, reasons, tasks: codes and its published words) as YAML; "
        "by default a typical council's (see adapters/vocabulary_file.py)"))
    quorum_min_members: int = Field(default=3, ge=1)
    quorum_min_agencies: int = Field(default=2, ge=1)
    quorum_chair_required: bool = True
    funding_bands: list[str] = Field(default_factory=lambda: ["FFI-1", "FFI-2", "FFI-3", "FFI-4"],
                                     description="Inclusion funding bands the panel can award")
    overdue_interval_seconds: float = Field(default=300.0, gt=0,
                                            description="How often overdue actions are looked for")
    notifications_public_key: str | None = Field(
        default=None, description="Notifications' X25519 public key: the chair's note is sealed for it")
    data_keys: SecretStr | None = Field(
        default=None, description="Key-encryption keys: a JSON object of key id to base64 32-byte key. They wrap "
                                  "each concern's data key (the chair's notes); keep old ones until "
                                  "`frontdoor keys rotate` ran")
    data_key_id: str | None = Field(
        default=None, description="Id of the key in EARLY_YEARS_DATA_KEYS that wraps new data keys")
