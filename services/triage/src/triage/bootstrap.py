"""Triage's composition root: one consumer (group `triage`) for every topic it reads."""

from __future__ import annotations

from typing import Any

from frontdoor_shared import topics
from frontdoor_shared.contracts import (
    ConcernErasedV1,
    ConcernSubmittedV1,
    ConcernTriagedV1,
    ConcernUpdatedV1,
    ConcernWithdrawnV1,
    PanelDecisionV2,
    ReferralRoutedV1,
    SafeguardingEscalatedV1,
)
from frontdoor_shared.contracts.base import Contract
from frontdoor_shared.delivery import publisher_doc, subscribe
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.errors import UnknownEventType
from frontdoor_shared.runtime import Runtime
from triage.adapters.policy_loader import PolicyStore
from triage.config import TriageSettings
from triage.service_layer.erasure import close_withdrawn, erase_concern
from triage.service_layer.panel import apply_panel_decision
from triage.service_layer.triage import triage_concern, triage_concerns
from triage.service_layer.update import triage_again

SERVICE = "triage"


class Triage:
    def __init__(self, settings: TriageSettings) -> None:
        self.settings = settings
        self.policies = PolicyStore()
        self.policies.reload(settings.policy_file)
        self.runtime = Runtime(settings, service=SERVICE, schema="triage")
        subscribe(self.runtime.broker, [ConcernSubmittedV1, ConcernUpdatedV1, PanelDecisionV2, ConcernErasedV1,
                                        ConcernWithdrawnV1],
                  self._on_event, group_id=SERVICE, batch_handlers={ConcernSubmittedV1: self._on_submitted})
        publisher_doc(self.runtime.broker, ConcernTriagedV1)
        publisher_doc(self.runtime.broker, SafeguardingEscalatedV1)
        for pathway in topics.PATHWAYS:
            publisher_doc(self.runtime.broker, ReferralRoutedV1, topics.referrals(pathway))

    async def _on_submitted(self, items: list[tuple[CloudEvent, Any, str]]) -> None:
        await triage_concerns(self.runtime.uow(), items, self.policies.current, self.settings.intake_base_url)

    async def _on_event(self, event: CloudEvent, data: Contract, topic: str) -> None:
        policy, base = self.policies.current, self.settings.intake_base_url
        if isinstance(data, ConcernSubmittedV1):
            await triage_concern(self.runtime.uow(), event, data, topic, policy, base)
        elif isinstance(data, ConcernUpdatedV1):
            await triage_again(self.runtime.uow(), event, data, topic, policy, base)
        elif isinstance(data, PanelDecisionV2):
            await apply_panel_decision(self.runtime.uow(), event, data, topic, policy, base)
        elif isinstance(data, ConcernWithdrawnV1):
            await close_withdrawn(self.runtime.uow(), event, data, topic)
        elif isinstance(data, ConcernErasedV1):
            await erase_concern(self.runtime.uow(), event, data, topic)
        else:
            raise UnknownEventType(f"triage has no handler for {event.type[:100]}")
