"""Which message each status event gives each audience, and its unique key. Plain Python."""

from __future__ import annotations

from dataclasses import dataclass

PATHWAY_NAMES = {
    "slcn": "speech, language and communication",
    "outreach": "specialist outreach",
    "sen-support": "SEN support and inclusion funding",
    "statutory": "education, health and care needs assessment",
    "universal-advice": "early years advice",
}


@dataclass(frozen=True)
class Planned:
    audience: str
    template: str


def plan_for(event_type: str, outcome: str | None = None) -> list[Planned]:
    """The family hears about every change of status; the template says what it means."""
    if event_type.endswith("concern.submitted.v1"):
        return [Planned("family", "family/concern-submitted")]
    if event_type.endswith("concern.triaged.v1") and outcome:
        return [Planned("family", f"family/concern-triaged-{outcome}")]
    if event_type.endswith("case.listed.v1"):
        return [Planned("family", "family/case-listed")]
    return []


def dedupe_key(event_id: str, audience: str, recipient: str, template: str) -> str:
    """One message per event, recipient and template, whatever is redelivered or replayed."""
    return f"{event_id}|{audience}|{recipient}|{template}"
