"""The agencies that sit on an early-years inclusion panel, and the pathways it can choose.

AGENCIES and TASKS are a typical council's: the defaults of `domain.vocabulary.Vocabulary`, which a
council replaces with its own (the pages, rules and events read the panel's vocabulary, not these)."""

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

# What a multi-agency action is, as codes with the council's words (never free text: an action
# travels to the family's page and letters, and a task typed by hand could name someone). Each
# reads after "asked <agency> to".
TASKS: dict[str, str] = {
    "assess": "assess the child's needs",
    "visit-setting": "visit the setting and advise its staff",
    "advice-to-setting": "send the setting advice and strategies",
    "train-staff": "train the setting's staff",
    "therapy": "start therapy sessions with the child",
    "family-support": "offer the family support at home",
    "review-meeting": "hold a review meeting with the family and the setting",
    "refer-on": "refer the child to another service",
    "arrange-funding": "arrange the inclusion funding",
}


def pathway_name(code: str | None) -> str:
    return PATHWAYS.get(code or "", "No recommendation")
