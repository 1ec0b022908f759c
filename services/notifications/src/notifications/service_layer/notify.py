"""Use case: tell the family (and later every professional) about each change of status.

Exactly one message per event, recipient and template: the message row, its unique key, the
inbox mark and the `notification-sent` event commit in one transaction. The dev mailbox delivers
by storing, so nothing can be sent twice; external channels (issue: notifications) record first
and reconcile after a crash.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from frontdoor_shared.contracts import BY_TYPE, ConcernSubmittedV1, NotificationSentV1
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.sealed import open_sealed
from frontdoor_shared.uow import UnitOfWork

from notifications.adapters.repository import MessageRepository
from notifications.adapters.templates import TemplateRenderer
from notifications.domain.messages import PATHWAY_NAMES, dedupe_key, plan_for


@dataclass(frozen=True)
class Context:
    renderer: TemplateRenderer
    private_key: str
    council_contact: str
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


def _values(data: Any, people: dict[str, Any], ctx: Context) -> dict[str, Any]:
    carer = people["family"]["carers"][0]
    return {
        "child": people["child_given_name"], "carer": f"{carer['given_name']} {carer['family_name']}",
        "reference": data.reference, "council_contact": ctx.council_contact,
        "referrer_organisation": people["referrer"]["organisation"], "triage_days": 5,
        "reasons": [r.text for r in getattr(data, "reasons", [])],
        "missing": list(getattr(data, "missing", [])),
        "pathway_name": PATHWAY_NAMES.get(getattr(data, "pathway", None) or "", "support"),
        "panel_date": getattr(data, "panel_date", None),
    }


async def notify(uow: UnitOfWork, event: CloudEvent, data: Any, topic: str, ctx: Context) -> None:
    """Send what this event calls for; if the concern's contact details have not arrived yet
    (events on different topics are not ordered), keep the event and send when they do."""
    async with uow:
        if not await uow.first_time(event, topic):
            return
        repo = MessageRepository(uow.conn)
        if isinstance(data, ConcernSubmittedV1) and data.recipients_sealed:
            await repo.remember_recipients(data.concern_id, data.reference, data.recipients_sealed)
        sealed = await repo.sealed_recipients(data.concern_id)
        if sealed is None:
            await repo.defer(data.concern_id, event.id, topic, event.model_dump(mode="json"))
        else:
            people = json.loads(open_sealed(ctx.private_key, sealed))
            await _send_for(uow, repo, event, data, people, ctx)
            for row in await repo.take_deferred(data.concern_id):
                held = CloudEvent.model_validate(row.event)
                await _send_for(uow, repo, held, BY_TYPE[held.type].model_validate(held.data), people, ctx)
        await uow.commit()


async def _send_for(uow: UnitOfWork, repo: MessageRepository, event: CloudEvent, data: Any,
                    people: dict[str, Any], ctx: Context) -> None:
    for planned in plan_for(event.type, getattr(data, "outcome", None)):
        await _send_one(uow, repo, event, data, people, planned.audience, planned.template, ctx)


async def _send_one(uow: UnitOfWork, repo: MessageRepository, event: CloudEvent, data: Any,
                    people: dict[str, Any], audience: str, template: str, ctx: Context) -> None:
    family = people["family"]
    channel = family["preferred_channel"]
    carer = family["carers"][0]
    to = {"email": carer.get("email"), "sms": carer.get("phone"), "letter": carer.get("address")}[channel]
    subject, body = ctx.renderer.render(template, **_values(data, people, ctx))
    now, message_id = ctx.clock(), uuid.uuid4()
    inserted = await repo.add_once(
        id=message_id, dedupe_key=dedupe_key(event.id, audience, "carer-0", template),
        concern_id=data.concern_id, reference=data.reference, audience=audience,
        channel="dev-mailbox", template=template, about_event_id=event.id,
        about_event_type=event.type, to_address=f"{channel}:{to}", subject=subject, body=body,
        status="delivered", created_at=now, sent_at=now)
    if inserted:
        uow.emit(NotificationSentV1(
            concern_id=data.concern_id, reference=data.reference, message_id=message_id,
            audience=audience, channel="dev-mailbox", template=template,  # type: ignore[arg-type]
            status="delivered", about_event_type=event.type, sent_at=now),
            subject=data.reference, key=str(data.concern_id), cause=event)
