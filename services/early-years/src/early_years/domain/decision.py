"""What a panel decision must say before it can be recorded, and how corrections chain.

A recorded decision is never edited: a correction is a new decision naming the one it corrects,
and only the decision that stands (corrected by none) can be corrected.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from early_years.domain.agencies import FUNDING_PERIODS, PATHWAYS
from early_years.domain.quorum import Quorum
from early_years.domain.vocabulary import Vocabulary

OUTCOMES = ("confirmed", "overridden")
MAX_NOTE = 2000
MAX_ROLE = 60
# The note reaches the family and the referrer: no contact details or numbers.
_IDENTIFYING = re.compile(
    r"[\w.+-]+@[\w-]+\.[\w.]+"                       # an email address
    r"|(?:\d[\s-]?){10,}"                             # an NHS number or a phone number
    r"|\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b",        # a postcode
    re.IGNORECASE)


@dataclass(frozen=True)
class ActionDraft:
    row: int
    agency: str
    owner_role: str
    due: date | None
    task: str = ""  # a code of agencies.TASKS: what is to be done


@dataclass(frozen=True)
class FundingDraft:
    band: str
    amount_pence: int | None
    period: str


@dataclass(frozen=True)
class DecisionDraft:
    outcome: str
    pathway: str
    reason_codes: tuple[str, ...]
    next_review: date | None
    funding: FundingDraft | None = None
    actions: tuple[ActionDraft, ...] = ()
    corrects_decision_id: str | None = None
    note: str = ""


@dataclass(frozen=True)
class RecordedDecision:
    id: str
    corrects_decision_id: str | None
    decided_at: datetime


def refusals(draft: DecisionDraft, quorum: Quorum, *, recommended: str | None, today: date,
             bands: Sequence[str], words: Vocabulary | None = None) -> dict[str, str]:
    """Every reason the decision cannot be recorded, by field ("quorum" for the panel itself)."""
    errors = {} if quorum.quorate else {"quorum": quorum.explanation()}
    errors |= _outcome_errors(draft, recommended)
    words = words or Vocabulary()
    errors |= _reason_errors(draft, words)
    errors |= _review_errors(draft.next_review, today)
    errors |= _funding_errors(draft.funding, bands)
    for action in draft.actions:
        errors |= _action_errors(action, today, words)
    return errors


def _outcome_errors(draft: DecisionDraft, recommended: str | None) -> dict[str, str]:
    if draft.outcome not in OUTCOMES:
        return {"outcome": "Select whether the panel confirms or overrides the recommendation"}
    if draft.pathway not in PATHWAYS:
        return {"pathway": "Select the pathway the panel decided"}
    if draft.outcome == "confirmed" and recommended is None:
        return {"outcome": "Triage made no recommendation to confirm: select override and give the reason"}
    if draft.outcome == "confirmed" and draft.pathway != recommended:
        return {"pathway": f"To confirm, choose the recommended pathway ({PATHWAYS[recommended or '']}), "
                           "or select override and give the reason"}
    if draft.outcome == "overridden" and draft.pathway == recommended:
        return {"pathway": "An override must choose a different pathway from the one recommended"}
    return {}


def _reason_errors(draft: DecisionDraft, words: Vocabulary) -> dict[str, str]:
    errors = {}
    unknown = [c for c in draft.reason_codes if c not in words.reasons]
    if unknown:
        errors["reasons"] = "Select reasons from the list"
    elif draft.outcome == "overridden" and not draft.reason_codes:
        errors["reasons"] = "Select at least one reason the panel overrode the recommendation"
    note = draft.note.strip()
    if len(note) > MAX_NOTE:
        errors["note"] = f"The note must be {MAX_NOTE} characters or fewer"
    elif _IDENTIFYING.search(note):
        errors["note"] = ("Remove contact details, NHS numbers and postcodes from the note: "
                          "it is sent to the family and the referrer")
    return errors


def _review_errors(next_review: date | None, today: date) -> dict[str, str]:
    if next_review is None:
        return {"next_review": "Enter the date of the next review"}
    if next_review <= today:
        return {"next_review": "The next review must be in the future"}
    return {}


def _funding_errors(funding: FundingDraft | None, bands: Sequence[str]) -> dict[str, str]:
    if funding is None:
        return {}
    if funding.band not in bands:
        return {"funding_band": "Select the inclusion funding band"}
    if funding.amount_pence is None:
        return {"funding_amount": "Enter the amount of inclusion funding, in pounds"}
    if funding.amount_pence < 0:
        return {"funding_amount": "The amount cannot be negative"}
    if funding.period not in FUNDING_PERIODS:
        return {"funding_period": "Select the period the amount covers"}
    return {}


def _action_errors(action: ActionDraft, today: date, words: Vocabulary) -> dict[str, str]:
    prefix, errors = f"action-{action.row}", {}
    if action.agency not in words.agencies:
        errors[f"{prefix}-agency"] = f"Select the agency responsible for action {action.row}"
    if action.task not in words.tasks:
        errors[f"{prefix}-task"] = f"Select what is to be done in action {action.row}"
    role = action.owner_role.strip()
    if not role:
        errors[f"{prefix}-owner_role"] = f"Enter the role of the owner of action {action.row}"
    elif len(role) > MAX_ROLE or _IDENTIFYING.search(role):
        errors[f"{prefix}-owner_role"] = f"Enter a role (not a name or contact details), up to {MAX_ROLE} characters"
    if action.due is None:
        errors[f"{prefix}-due"] = f"Enter the date action {action.row} is due"
    elif action.due <= today:
        errors[f"{prefix}-due"] = f"The due date of action {action.row} must be in the future"
    return errors


def standing(decisions: Sequence[RecordedDecision]) -> RecordedDecision | None:
    """The decision that stands: the latest one that no other decision corrects."""
    corrected = {d.corrects_decision_id for d in decisions if d.corrects_decision_id}
    live = [d for d in decisions if d.id not in corrected]
    return max(live, key=lambda d: d.decided_at) if live else None


def correction_errors(decisions: Sequence[RecordedDecision], corrects: str | None) -> dict[str, str]:
    """A first decision corrects nothing; any later one must correct the decision that stands."""
    current = standing(decisions)
    if corrects is None and current is not None:
        return {"corrects": "The panel has already decided: record a correction that references that decision"}
    if corrects is not None and (current is None or current.id != corrects):
        return {"corrects": "Only the decision that stands can be corrected: reload the case and try again"}
    return {}
