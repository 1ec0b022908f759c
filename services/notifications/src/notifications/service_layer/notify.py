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
from datetime import UTC, datetime, timedelta
from typing import Any

from frontdoor_shared.contracts import ConcernSubmittedV1, NotificationSentV1
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.errors import PermanentError, TransientError
from frontdoor_shared.sealed import open_sealed
from frontdoor_shared.uow import UnitOfWork

from notifications.adapters.repository import MessageRepository
from notifications.adapters.templates import TemplateRenderer
from notifications.domain.messages import PATHWAY_NAMES, dedupe_key, plan_for


class RecipientsNotYetKnown(TransientError):
    """A status event arrived before the concern's submitted event: wait for it."""


class NoRecipients(PermanentError):
    """No contact details ever arrived for this concern."""


@dataclass(frozen=True)
class Context:
    renderer: TemplateRenderer
    private_key: str
    council_contact: str
    wait: timedelta
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


async def _people(repo: MessageRepository, event: CloudEvent, data: Any, ctx: Context) -> dict[str, Any]:
    if isinstance(data, ConcernSubmittedV1) and data.recipients_sealed:
        await repo.remember_recipients(data.concern_id, data.reference, data.recipients_sealed)
    sealed = await repo.sealed_recipients(data.concern_id)
    if sealed is None:
        if event.time and ctx.clock() - event.time > ctx.wait:
            raise NoRecipients("no contact details reached notifications for this concern")
        raise RecipientsNotYetKnown("contact details for this concern have not arrived yet")
    return json.loads(open_sealed(ctx.private_key, sealed))  # type: ignore[no-any-return]


async def notify(uow: UnitOfWork, event: CloudEvent, data: Any, topic: str, ctx: Context) -> None:
    async with uow:
        if not await uow.first_time(event, topic):
            return
        repo = MessageRepository(uow.conn)
        people = await _people(repo, event, data, ctx)
        for planned in plan_for(event.type, getattr(data, "outcome", None)):
            await _send_one(uow, repo, event, data, people, planned.audience, planned.template, ctx)
        await uow.commit()


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
