"""The integration events early years publishes, built from its rows in one place.

Nothing here names a child, a family or a member of staff: references, codes, agencies, dates.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from early_years.domain.reasons import rule_of
from early_years.domain.vocabulary import Vocabulary
from frontdoor_shared.contracts import (
    ActionAssignedV1,
    ActionOverdueV1,
    CaseListedV1,
    DecidedAction,
    FundingDecision,
    PanelDecisionV2,
)
from frontdoor_shared.contracts.common import Reason
from frontdoor_shared.statutory import clock_for


def listed_event(case: Any, meeting: Any, now: datetime) -> CaseListedV1:
    return CaseListedV1(concern_id=case.concern_id, reference=case.reference, case_id=case.id, listed_at=now,
                        panel_id=meeting.id, panel_date=meeting.date)


DEFAULT_WORDS = Vocabulary()


def decision_event(case: Any, d: dict[str, Any], *, actions: Sequence[dict[str, Any]] = (),
                   note_sealed: str | None = None, words: Vocabulary = DEFAULT_WORDS) -> PanelDecisionV2:
    """`d` is the decision row as written, `actions` the action rows set with it, each code in the
    council's `words`; the chair's note travels only sealed for notifications."""
    funding = None
    if d["funding_band"] is not None:
        funding = FundingDecision(band=d["funding_band"], amount_pence=d["funding_amount_pence"],
                                  period=d["funding_period"])
    reasons = [Reason(rule=rule_of(code), text=words.wording(code)) for code in d["reason_codes"]]
    return PanelDecisionV2(
        concern_id=case.concern_id, reference=case.reference, case_id=case.id, decision_id=d["id"],
        corrects_decision_id=d["corrects_decision_id"], decided_at=d["decided_at"], panel_id=d["meeting_id"],
        outcome=d["outcome"], recommended_pathway=d["recommended_pathway"], pathway=d["pathway"],
        priority=d["priority"], reasons=reasons, note_sealed=note_sealed, funding=funding, next_review=d["next_review"],
        agencies_present=d["agencies_present"],
        received_on=case.received_on, statutory_decision_due=clock_for(d["pathway"], case.received_on),
        actions=[DecidedAction(action_id=a["id"], agency=a["agency"], agency_name=words.agency_name(a["agency"]),
                               task=a.get("task"), task_text=words.task_words(a.get("task")), due=a["due"])
                 for a in actions])


def action_event(case: Any, a: dict[str, Any], words: Vocabulary = DEFAULT_WORDS) -> ActionAssignedV1:
    return ActionAssignedV1(concern_id=case.concern_id, reference=case.reference, action_id=a["id"],
                            decision_id=a["decision_id"], agency=a["agency"], owner_role=a["owner_role"],
                            due=a["due"], assigned_at=a["assigned_at"], task=a.get("task"),
                            task_text=words.task_words(a.get("task")),
                            agency_name=words.agency_name(a["agency"]))


def overdue_event(row: Any, action_id: uuid.UUID, now: datetime,
                  words: Vocabulary = DEFAULT_WORDS) -> ActionOverdueV1:
    return ActionOverdueV1(concern_id=row.concern_id, reference=row.reference, action_id=action_id,
                           agency=row.agency, due=row.due, raised_at=now, agency_name=words.agency_name(row.agency),
                           task_text=words.task_words(row.task))
