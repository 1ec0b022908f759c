"""Triage's composition root."""

from __future__ import annotations

from frontdoor_shared import topics
from frontdoor_shared.contracts import ConcernSubmittedV1, ConcernTriagedV1, ReferralRoutedV1
from frontdoor_shared.delivery import publisher_doc, subscribe
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.runtime import Runtime

from triage.adapters.policy_loader import PolicyStore
from triage.config import TriageSettings
from triage.service_layer.triage import triage_concern

SERVICE = "triage"


class Triage:
    def __init__(self, settings: TriageSettings) -> None:
        self.settings = settings
        self.policies = PolicyStore()
        self.policies.reload(settings.policy_file)
        self.runtime = Runtime(settings, service=SERVICE, schema="triage")
        subscribe(self.runtime.broker, ConcernSubmittedV1, self._on_submitted, group_id=SERVICE)
        publisher_doc(self.runtime.broker, ConcernTriagedV1)
        for pathway in topics.PATHWAYS:
            publisher_doc(self.runtime.broker, ReferralRoutedV1, topics.referrals(pathway))

    async def _on_submitted(self, event: CloudEvent, data: ConcernSubmittedV1, topic: str) -> None:
        await triage_concern(self.runtime.uow(), event, data, topic, self.policies.current,
                             self.settings.intake_base_url)
