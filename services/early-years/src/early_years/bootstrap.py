"""Early years' composition root."""

from __future__ import annotations

from frontdoor_shared.contracts import CaseListedV1, ConcernTriagedV1
from frontdoor_shared.delivery import publisher_doc, subscribe
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.runtime import Runtime

from early_years.config import EarlyYearsSettings
from early_years.service_layer.listing import list_for_panel

SERVICE = "early-years"


class EarlyYears:
    def __init__(self, settings: EarlyYearsSettings) -> None:
        self.settings = settings
        self.runtime = Runtime(settings, service=SERVICE, schema="early_years")
        subscribe(self.runtime.broker, ConcernTriagedV1, self._on_triaged, group_id=SERVICE)
        publisher_doc(self.runtime.broker, CaseListedV1)

    async def _on_triaged(self, event: CloudEvent, data: ConcernTriagedV1, topic: str) -> None:
        await list_for_panel(self.runtime.uow(), event, data, topic)
