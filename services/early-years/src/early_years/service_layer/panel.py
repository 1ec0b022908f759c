"""The panel this process serves, as the use cases need it: rules, calendar, clock, the council's words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from early_years.adapters.vocabulary_file import VocabularyError, load_vocabulary
from early_years.config import EarlyYearsSettings
from early_years.domain.quorum import QuorumRule
from early_years.domain.vocabulary import Vocabulary

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PanelSetup:
    id: str
    name: str = "Early years inclusion panel"
    interval_days: int = 14
    timezone: str = "Europe/London"
    rule: QuorumRule = field(default_factory=QuorumRule)
    bands: tuple[str, ...] = ("FFI-1", "FFI-2", "FFI-3", "FFI-4")
    words: Vocabulary = field(default_factory=Vocabulary)  # the council's agencies, reasons and tasks

    def today(self, now: datetime) -> date:
        """The panel's calendar day: a meeting, a review or a due date is a local date."""
        return now.astimezone(ZoneInfo(self.timezone)).date()

    @classmethod
    def from_settings(cls, s: EarlyYearsSettings) -> PanelSetup:
        rule = QuorumRule(min_members=s.quorum_min_members, min_agencies=s.quorum_min_agencies,
                          chair_required=s.quorum_chair_required)
        words = load_vocabulary(s.vocabulary_file) if s.vocabulary_file else Vocabulary()
        strangers = [f"{m.subject} ({m.agency})" for m in s.members if m.agency not in words.agencies]
        if s.seed_panel and strangers:  # a member could never be recorded as present for their agency
            raise VocabularyError(f"EARLY_YEARS_MEMBERS: {', '.join(strangers)}: the agency is not one of the "
                                  f"vocabulary's agencies ({', '.join(words.agencies)})")
        return cls(id=s.panel_id, name=s.panel_name, interval_days=s.meeting_interval_days,
                   timezone=s.timezone, rule=rule, bands=tuple(s.funding_bands), words=words)
