"""The integration events early years publishes, built from its rows in one place.

Nothing here names a child, a family or a member of staff: references, codes, agencies, dates.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from frontdoor_shared.contracts import (
    ActionAssignedV1,
    ActionOverdueV1,
    CaseListedV1,
    FundingDecision,
    PanelDecisionV1,
)
from frontdoor_shared.contracts.common import Reason

PANEL_REASON_RULE = "panel-reason"


def listed_event(case: Any, meeting: Any, now: datetime) -> CaseListedV1:
    return CaseListedV1(concern_id=case.concern_id, reference=case.reference, case_id=case.id, listed_at=now,
                        panel_id=meeting.id, panel_date=meeting.date)


def decision_event(case: Any, d: dict[str, Any]) -> PanelDecisionV1:
    """`d` is the decision row as written."""
    funding = None
    if d["funding_band"] is not None:
        funding = FundingDecision(band=d["funding_band"], amount_pence=d["funding_amount_pence"],
                                  period=d["funding_period"])
    reasons = [Reason(rule=PANEL_REASON_RULE, text=d["reason"])] if d["reason"] else []
    return PanelDecisionV1(
        concern_id=case.concern_id, reference=case.reference, case_id=case.id, decision_id=d["id"],
        corrects_decision_id=d["corrects_decision_id"], decided_at=d["decided_at"], panel_id=d["meeting_id"],
        outcome=d["outcome"], recommended_pathway=d["recommended_pathway"], pathway=d["pathway"],
        priority=d["priority"], reasons=reasons, funding=funding, next_review=d["next_review"],
        agencies_present=d["agencies_present"])


def action_event(case: Any, a: dict[str, Any]) -> ActionAssignedV1:
    return ActionAssignedV1(concern_id=case.concern_id, reference=case.reference, action_id=a["id"],
                            decision_id=a["decision_id"], agency=a["agency"], owner_role=a["owner_role"],
                            due=a["due"], assigned_at=a["assigned_at"])


def overdue_event(row: Any, action_id: uuid.UUID, now: datetime) -> ActionOverdueV1:
    return ActionOverdueV1(concern_id=row.concern_id, reference=row.reference, action_id=action_id,
                           agency=row.agency, due=row.due, raised_at=now)
