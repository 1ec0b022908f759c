"""The reasons a panel gives, as codes with the council's published wording.

A panel's reasons travel to triage, intake's status history, the receiving team and the family.
Free text about a child can name the child, a parent or a diagnosis, so the reasons that travel
are codes from this list, each with wording the council publishes (like its ranges). Anything the
chair wants to add is a note: encrypted at rest in early years and sealed for notifications
alone, which puts it in the family's and the referrer's letters. REASONS is a typical council's list:
the default of `domain.vocabulary.Vocabulary`, which a council replaces with its own.
"""

from __future__ import annotations

RULE_PREFIX = "panel:"

REASONS: dict[str, str] = {
    "needs-met-in-setting": "The setting can meet the child's needs with what it ordinarily provides, with advice.",
    "progress-with-support": "The child is making progress with the support already in place.",
    "targeted-support": "The child needs targeted support beyond what the setting ordinarily provides.",
    "specialist-advice": "Specialist advice or assessment is needed to understand and meet the child's needs.",
    "speech-language-priority": "Speech, language and communication is the child's main area of need.",
    "inclusion-funding": "Inclusion funding will help the setting meet the child's needs without a plan.",
    "significant-needs": "The evidence shows needs that may call for an education, health and care needs "
                         "assessment.",
    "more-evidence-needed": "The panel needs more evidence before it can settle the right support.",
    "family-views": "The family's views and wishes shaped the decision.",
}


def rule_of(code: str) -> str:
    return f"{RULE_PREFIX}{code}"

