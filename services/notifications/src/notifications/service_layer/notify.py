"""Use case: tell the family, the referrer and staff what each change of status means.

The handler records each message (pending, with its unique key), the journey step and the inbox
mark in one transaction; the sender sends afterwards, outside it. A redelivered or replayed event
finds its id in the inbox; a message recorded before finds its key taken. An event that arrives
before the concern's contact details (topics are not ordered) is held and told when they come.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from frontdoor_shared import erasure
from frontdoor_shared.contracts import BY_TYPE, ConcernSubmittedV1
from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.uow import UnitOfWork
from notifications.adapters import orm
from notifications.adapters.journey_repository import JourneyRepository
from notifications.adapters.repository import MessageRepository
from notifications.domain.journey import step_for
from notifications.domain.messages import FAMILY, Planned
from notifications.domain.status_link import StatusLink, new_token
from notifications.service_layer import outcomes, recording
from notifications.service_layer.context import Context
from notifications.service_layer.events import event_values, facts_for, journey_step, planned_for


async def handle_status(uow: UnitOfWork, event: CloudEvent, data: Any, topic: str, ctx: Context) -> None:
    async with uow:
        if not await uow.first_time(event, topic):
            return
        if await erasure.is_erased(uow.conn, orm.erased, data.concern_id):  # late news of an erased concern
            await uow.commit()
            return
        repo = MessageRepository(uow.conn, ctx.keyring)
        if isinstance(data, ConcernSubmittedV1) and data.recipients_sealed:
            await repo.remember_recipients(data.concern_id, data.reference, data.recipients_sealed)
        await _record_journey(uow, event, data)
        plans = planned_for(data)
        await _tell(uow, event, data, [p for p in plans if not p.needs_contact_details], None, ctx)
        people_plans = [p for p in plans if p.needs_contact_details]
        sealed = await repo.sealed_recipients(data.concern_id)
        if sealed is None:
            if people_plans:
                await repo.defer(data.concern_id, event.id, topic, event.model_dump(mode="json"))
        else:
            people = ctx.people(sealed)
            await _tell(uow, event, data, people_plans, people, ctx)
            await _tell_held(uow, repo, data, people, ctx)
        await uow.commit()


async def _tell_held(uow: UnitOfWork, repo: MessageRepository, data: Any, people: dict[str, Any],
                     ctx: Context) -> None:
    for row in await repo.take_deferred(data.concern_id):
        held = CloudEvent.model_validate(row.event)
        held_data = BY_TYPE[held.type].model_validate(held.data)
        await _tell(uow, held, held_data, [p for p in planned_for(held_data) if p.needs_contact_details],
                    people, ctx)


async def _record_journey(uow: UnitOfWork, event: CloudEvent, data: Any) -> None:
    facts = facts_for(event, data)
    step = step_for(facts)
    if step is not None:
        await JourneyRepository(uow.conn).add_step(
            event_id=event.id, concern_id=data.concern_id, reference=data.reference, event_type=event.type,
            correlation_id=event.correlationid, step=step, at=facts.at)


async def _tell(uow: UnitOfWork, event: CloudEvent, data: Any, plans: list[Planned],
                people: dict[str, Any] | None, ctx: Context) -> None:
    repo, about = MessageRepository(uow.conn, ctx.keyring), recording.About.event(event, data)
    base = values_for(event, data, people, ctx)
    for planned in plans:
        values = {**base, **(await _status_link(uow, data, ctx) if _first_to_family(data, planned) else {})}
        message_id, reachable = await recording.record(repo, ctx, about, planned, values, people)
        if message_id is not None and not reachable:
            row = await repo.get(message_id)
            await outcomes.fail(uow, ctx, row, f"no {row.channel} contact this service can use")


def values_for(event: CloudEvent, data: Any, people: dict[str, Any] | None, ctx: Context) -> dict[str, Any]:
    """Everything a template about this event may say: the event's facts and, when they are
    known, the people's names."""
    return {**recording.defaults(ctx, data.reference), **event_values(data, journey_step(event, data)),
            "panel_note": ctx.note(data), **(recording.people_values(people) if people else {})}


def _first_to_family(data: Any, planned: Planned) -> bool:
    return isinstance(data, ConcernSubmittedV1) and planned.audience == FAMILY


async def _status_link(uow: UnitOfWork, data: Any, ctx: Context) -> dict[str, Any]:
    """A private link to the status page, for the family's first message only: we keep its hash."""
    token = new_token()
    link = StatusLink.issue(token, ctx.clock(), ctx.settings.status_link_days)
    await JourneyRepository(uow.conn).add_link(data.concern_id, link)
    return {"status_url": f"{ctx.settings.public_base_url.rstrip('/')}/status/{token}",
            "link_expires": link.expires_at - timedelta(days=1)}
