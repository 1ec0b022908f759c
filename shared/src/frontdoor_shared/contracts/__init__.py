"""Versioned integration contracts, one module per event, owned by the producer."""

from __future__ import annotations

from frontdoor_shared.contracts.access_revoked_v1 import AccessRevokedV1
from frontdoor_shared.contracts.action_assigned_v1 import ActionAssignedV1
from frontdoor_shared.contracts.action_overdue_v1 import ActionOverdueV1
from frontdoor_shared.contracts.base import Contract
from frontdoor_shared.contracts.case_listed_v1 import CaseListedV1
from frontdoor_shared.contracts.concern_erased_v1 import ConcernErasedV1
from frontdoor_shared.contracts.concern_submitted_v1 import ConcernSubmittedV1
from frontdoor_shared.contracts.concern_triaged_v1 import ConcernTriagedV1
from frontdoor_shared.contracts.concern_updated_v1 import ConcernUpdatedV1
from frontdoor_shared.contracts.concern_withdrawn_v1 import ConcernWithdrawnV1
from frontdoor_shared.contracts.notification_sent_v1 import NotificationSentV1
from frontdoor_shared.contracts.notification_sent_v2 import NotificationSentV2, SentMessage
from frontdoor_shared.contracts.panel_decision_v2 import DecidedAction, FundingDecision, PanelDecisionV2
from frontdoor_shared.contracts.partner_concern_status_v1 import PartnerConcernStatusV1, Problem
from frontdoor_shared.contracts.partner_concern_v1 import PartnerConcernV1
from frontdoor_shared.contracts.partner_follow_up_v1 import PartnerConcernWithdrawnV1, PartnerInformationAddedV1
from frontdoor_shared.contracts.referral_progressed_v1 import ReferralProgressedV1
from frontdoor_shared.contracts.referral_routed_v1 import ReferralRoutedV1
from frontdoor_shared.contracts.safeguarding_escalated_v1 import SafeguardingEscalatedV1

ALL_CONTRACTS: tuple[type[Contract], ...] = (
    ConcernSubmittedV1,
    ConcernTriagedV1,
    ReferralRoutedV1,
    CaseListedV1,
    NotificationSentV1,
    NotificationSentV2,
    SafeguardingEscalatedV1,
    PanelDecisionV2,
    ActionAssignedV1,
    ActionOverdueV1,
    PartnerConcernV1,
    ConcernErasedV1,
    ConcernUpdatedV1,
    ConcernWithdrawnV1,
    PartnerInformationAddedV1,
    PartnerConcernWithdrawnV1,
    AccessRevokedV1,
    PartnerConcernStatusV1,
    ReferralProgressedV1,
)
BY_TYPE: dict[str, type[Contract]] = {c.TYPE: c for c in ALL_CONTRACTS}

__all__ = [
    "ALL_CONTRACTS",
    "BY_TYPE",
    "AccessRevokedV1",
    "ActionAssignedV1",
    "ActionOverdueV1",
    "CaseListedV1",
    "ConcernErasedV1",
    "ConcernSubmittedV1",
    "ConcernTriagedV1",
    "ConcernUpdatedV1",
    "ConcernWithdrawnV1",
    "Contract",
    "DecidedAction",
    "FundingDecision",
    "NotificationSentV1",
    "NotificationSentV2",
    "PanelDecisionV2",
    "PartnerConcernStatusV1",
    "PartnerConcernV1",
    "PartnerConcernWithdrawnV1",
    "PartnerInformationAddedV1",
    "Problem",
    "ReferralProgressedV1",
    "ReferralRoutedV1",
    "SafeguardingEscalatedV1",
    "SentMessage",
]
