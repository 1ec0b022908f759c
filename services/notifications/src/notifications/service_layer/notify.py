"""Use case: tell the family, the referrer and staff what each change of status means.

The handler records each message (pending, with its unique key), the journey step and the inbox
mark in one transaction; the sender sends afterwards, outside it. A redelivered or replayed event
finds its id in the inbox; a message recorded before finds its key taken. An event that arrives
before the concern's contact details (topics are not ordered) is held and told when they come.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from frontdoor_shared import erasure
from frontdoor_shared.contracts import BY_TYPE, ConcernSubmittedV1, ConcernWithdrawnV1
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
        _check_readable(data, ctx)
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
        await _close_withdrawn(uow, [data])
        await uow.commit()


@dataclass
class Recorded:
    """What a batch recorded for the sender: messages taken for it at once (`lease`), to send as
    soon as the batch commits, and whether anything else awaits its next round."""

    leased: list[Any] = field(default_factory=list)
    for_next_round: bool = False


async def handle_statuses(uow: UnitOfWork, items: list[tuple[CloudEvent, Any, str]], ctx: Context, *,
                          lease: bool = False) -> Recorded:
    """A batch of status events as sets: the messages, journey steps, recipients and held events
    `handle_status` would record for each, in a handful of statements instead of several per event.
    Recipients are remembered first, so an event that arrives in the same batch as its concern's
    contact details is told at once rather than held and then told: the same messages either way.

    With `lease`, the messages are recorded as already taken by this process's sender, for a
    lease (as its claim would take them), and returned for it to send once the batch commits:
    no claim round. If the process dies first, the lease runs out and a round takes them as it
    takes any message whose sender died (an attempt after the first asks the provider first)."""
    async with uow:
        fresh = [(e, d, t) for e, d, t in items if await uow.first_time(e, t)]
        erased = await erasure.erased_among(uow.conn, orm.erased, {d.concern_id for _, d, _ in fresh})
        fresh = _until_withdrawn([(e, d, t) for e, d, t in fresh if d.concern_id not in erased])
        for _, data, _ in fresh:
            _check_readable(data, ctx)
        if not fresh:
            await uow.commit()
            return Recorded()
        repo, journeys = MessageRepository(uow.conn, ctx.keyring), JourneyRepository(uow.conn)
        await repo.remember_recipients_many([(d.concern_id, d.reference, d.recipients_sealed) for _, d, _ in fresh
                                             if isinstance(d, ConcernSubmittedV1) and d.recipients_sealed])
        await journeys.add_steps([row for e, d, _ in fresh if (row := _journey_row(e, d)) is not None])
        concerns = {d.concern_id for _, d, _ in fresh}
        sealed, held = await repo.recipients_and_held_many(concerns)
        people_of = {concern_id: ctx.people(recipients) for concern_id, recipients in sealed.items()}
        batch = _Messages(ctx)
        deferred = []
        for event, data, topic in fresh:
            plans, people = planned_for(data), people_of.get(data.concern_id)
            batch.tell(event, data, [p for p in plans if not p.needs_contact_details], None)
            people_plans = [p for p in plans if p.needs_contact_details]
            if people is not None:
                batch.tell(event, data, people_plans, people)
            elif people_plans:
                deferred.append((data.concern_id, event.id, topic, event.model_dump(mode="json")))
        for concern_id, rows in held.items():
            for row in rows:
                held_event = CloudEvent.model_validate(row.event)
                held_data = BY_TYPE[held_event.type].model_validate(held_event.data)
                batch.tell(held_event, held_data,
                           [p for p in planned_for(held_data) if p.needs_contact_details], people_of[concern_id])
        await repo.defer_many(deferred)
        lease_until = ctx.clock() + timedelta(seconds=ctx.settings.send_lease_seconds) if lease else None
        leased = await batch.record(uow, repo, lease_until=lease_until)
        await _close_withdrawn(uow, [d for _, d, _ in fresh])
        await uow.commit()
    return Recorded(leased, for_next_round=batch.failed_at_once)


def _until_withdrawn(items: list[tuple[CloudEvent, Any, str]]) -> list[tuple[CloudEvent, Any, str]]:
    """The batch's events up to each concern's withdrawal: news after it in the same batch is read and
    says nothing, as it would in a later batch (where the withdrawal's tombstone stops it)."""
    withdrawn: set[Any] = set()
    kept = []
    for event, data, topic in items:
        if data.concern_id in withdrawn:
            continue
        kept.append((event, data, topic))
        if isinstance(data, ConcernWithdrawnV1):
            withdrawn.add(data.concern_id)
    return kept


async def _close_withdrawn(uow: UnitOfWork, datas: list[Any]) -> None:
    """Once the family has been told a concern was withdrawn, nothing more is said about it: the
    erasure's tombstone, with the reason `withdrawn`, makes any later event about it do nothing
    (its messages, journey and status page stay)."""
    for data in datas:
        if isinstance(data, ConcernWithdrawnV1):
            await erasure.remember(uow.conn, orm.erased, data.concern_id, "withdrawn", data.withdrawn_at)


def _check_readable(data: Any, ctx: Context) -> None:
    """Open what was sealed for this service now: an event that cannot be read fails (and is
    dead-lettered) itself, rather than being held and failing whichever event later releases it."""
    ctx.note(data)


class _Messages:
    """The messages a batch records, rendered, before the one insert of them all."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.rows: list[dict[str, Any]] = []
        self.links: list[tuple[Any, StatusLink]] = []
        self.unreachable: list[Any] = []
        self.failed_at_once = False

    def tell(self, event: CloudEvent, data: Any, plans: list[Planned], people: dict[str, Any] | None) -> None:
        if not plans:
            return
        about, base = recording.About.event(event, data), values_for(event, data, people, self.ctx)
        for planned in recording.every_carer(plans, people, self.ctx):
            values = {**base, **(self._status_link(data) if _first_to_family(data, planned) else {})}
            row, reachable = recording.rendered(self.ctx, about, planned, values, people)
            self.rows.append(row)
            if not reachable:
                self.unreachable.append(row["id"])

    def _status_link(self, data: Any) -> dict[str, Any]:
        """A private link to the status page, for the family's first message only: we keep its
        hash (recorded with the batch's messages)."""
        token = new_token()
        link = StatusLink.issue(token, self.ctx.clock(), self.ctx.settings.status_link_days)
        self.links.append((data.concern_id, link))
        return {"status_url": f"{self.ctx.settings.public_base_url.rstrip('/')}/status/{token}",
                "link_expires": link.expires_at - timedelta(days=1)}

    async def record(self, uow: UnitOfWork, repo: MessageRepository, *,
                     lease_until: datetime | None = None) -> list[Any]:
        """Record them all in one statement (a message recorded before, by its key, is skipped); one
        that no one can be reached by fails at once (the family's next channel, staff told). With
        `lease_until`, those recorded are taken for this process's sender and returned as it
        reads them (`claim_due`'s rows)."""
        await JourneyRepository(uow.conn).add_links(self.links)
        await repo.prefetch_keys({row["concern_id"] for row in self.rows})
        unreachable = set(self.unreachable)
        taken = [] if lease_until is None else [
            taken_row(row, lease_until) for row in self.rows if row["id"] not in unreachable]
        by_id = {row.id: row for row in taken}
        inserted = await repo.add_many([vars(by_id[row["id"]]) if row["id"] in by_id else row for row in self.rows])
        for message_id in [m for m in self.unreachable if m in inserted]:
            self.failed_at_once = True  # its fallback and the staff alert wait for the next round
            row = await repo.get(message_id)
            await outcomes.fail(uow, self.ctx, row, f"no {row.channel} contact this service can use")
        return [row for row in taken if row.id in inserted]  # not those recorded before (a replay)


_UNSET_COLUMNS = {column.name: None for column in orm.message.c}


def taken_row(values: dict[str, Any], lease_until: datetime) -> SimpleNamespace:
    """A message just recorded as taken, as the sender reads a claimed one: every column, the
    contents in the clear (they are encrypted only at rest)."""
    return SimpleNamespace(**{**_UNSET_COLUMNS, **values, "attempts": 1, "next_attempt_at": lease_until})


def _journey_row(event: CloudEvent, data: Any) -> dict[str, Any] | None:
    facts = facts_for(event, data)
    step = step_for(facts)
    if step is None:
        return None
    return {"event_id": event.id, "concern_id": data.concern_id, "reference": data.reference,
            "event_type": event.type, "correlation_id": event.correlationid, "status": step.status, "line": step.line,
            "next_step": step.next_step, "expected_by": step.expected_by, "at": facts.at,
            "pathway": step.pathway}


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
    messages = _Messages(ctx)
    messages.tell(event, data, plans, people)
    await messages.record(uow, MessageRepository(uow.conn, ctx.keyring))


def values_for(event: CloudEvent, data: Any, people: dict[str, Any] | None, ctx: Context) -> dict[str, Any]:
    """Everything a template about this event may say: the event's facts and, when they are
    known, the people's names."""
    return {**recording.defaults(ctx, data.reference), **event_values(data, journey_step(event, data)),
            "panel_note": ctx.note(data), **(recording.people_values(people) if people else {})}


def _first_to_family(data: Any, planned: Planned) -> bool:
    return isinstance(data, ConcernSubmittedV1) and planned.audience == FAMILY
