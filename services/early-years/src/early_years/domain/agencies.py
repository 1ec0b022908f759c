"""The agencies that sit on an early-years inclusion panel, and the pathways it can choose."""

from __future__ import annotations

AGENCIES: dict[str, str] = {
    "send": "SEND (local authority)",
    "health": "Health",
    "early-years": "Early years",
    "speech-and-language": "Speech and language therapy",
    "social-care": "Social care",
    "early-help": "Early help",
}

PATHWAYS: dict[str, str] = {
    "slcn": "Speech, language and communication",
    "outreach": "Specialist outreach",
    "sen-support": "SEN support and inclusion funding",
    "statutory": "Education, health and care needs assessment",
    "universal-advice": "Early years advice",
}

FUNDING_PERIODS: dict[str, str] = {"per term": "Per term", "per year": "Per year", "one-off": "One-off"}


def agency_name(code: str) -> str:
    return AGENCIES.get(code, code)


def pathway_name(code: str | None) -> str:
    return PATHWAYS.get(code or "", "No recommendation")
