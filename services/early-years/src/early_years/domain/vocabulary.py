"""The council's own words for its panel: the agencies that sit on it, the reasons it gives and the
tasks it sets. Each is a code with the wording the council publishes (never free text: these words
travel to the family's letters and page, the receiving team and intake's history). The defaults are
a typical council's; a council gives its own in a file (`EARLY_YEARS_VOCABULARY_FILE`, read by
`early_years.adapters.vocabulary_file`), as it gives its ranges policy to triage."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from early_years.domain.agencies import AGENCIES, TASKS
from early_years.domain.reasons import REASONS


@dataclass(frozen=True)
class Vocabulary:
    agencies: Mapping[str, str] = field(default_factory=lambda: dict(AGENCIES))
    reasons: Mapping[str, str] = field(default_factory=lambda: dict(REASONS))
    tasks: Mapping[str, str] = field(default_factory=lambda: dict(TASKS))

    def agency_name(self, code: str) -> str:
        """The agency in the council's words; a code no longer on its list, as it is."""
        return self.agencies.get(code, code)

    def task_words(self, code: str | None) -> str | None:
        """The task, read after "asked <agency> to"; None for an action set before tasks were
        recorded, or whose task is no longer on the list."""
        return self.tasks.get(code or "")

    def wording(self, code: str) -> str:
        """A reason in the council's published words; a code no longer on its list, as it is."""
        return self.reasons.get(code, code)
