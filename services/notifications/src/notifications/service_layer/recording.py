"""Recording a message before it is sent: who it goes to, by which channel, rendered, with its
unique key. The sender sends it afterwards, outside this transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from frontdoor_shared.envelope import CloudEvent
from frontdoor_shared.ids import new_id
from notifications.adapters.repository import MessageRepository
from notifications.domain.delivery import PENDING
from notifications.domain.messages import FAMILY, REFERRER, Planned, carer_number, dedupe_key, recipient_of
from notifications.domain.routes import carer_contacts, fallback_order
from notifications.service_layer.context import Context


@dataclass(frozen=True)
class About:
    """The status event a message tells of."""

    concern_id: uuid.UUID
    reference: str
    event_id: str
    event_type: str
    correlation_id: str | None

    @classmethod
    def event(cls, event: CloudEvent, data: Any) -> About:
        return cls(data.concern_id, data.reference, event.id, event.type, event.correlationid)

    @classmethod
    def row(cls, row: Any) -> About:
        return cls(row.concern_id, row.reference, row.about_event_id, row.about_event_type, row.correlation_id)


def defaults(ctx: Context, reference: str) -> dict[str, Any]:
    """Every value any template may name, so each renders whatever the event (StrictUndefined)."""
    s = ctx.settings
    return {
        "reference": reference, "council_name": s.council_name, "council_contact": s.council_contact,
        "sendiass_contact": s.sendiass_contact, "child": None, "carer": None, "referrer_name": None,
        "referrer_organisation": None, "interpreter_needed": False, "language": "en", "status_url": None,
        "link_expires": None, "reasons": [], "missing": [], "pathway_name": "support", "panel_date": None,
        "decided_at": None, "outcome": None, "funding": None, "next_review": None, "details_url": None,
        "escalated_at": None, "age_in_months": None, "due": None, "agency": None, "expected_by": None, "actions": [],
        "reason_text": None,
        "current_line": None, "next_step": None, "waiting_since": None, "overdue": False, "failed": None,
        "held_since": None, "concern_url": f"{s.referrer_url.rstrip('/')}/concerns/{reference}",
        "waiting_for_referrer": False,
    }


def people_values(people: dict[str, Any]) -> dict[str, Any]:
    family, referrer = people["family"], people["referrer"]
    return {"child": people["child_given_name"], "carer": carer_name(people, 0),
            "referrer_name": referrer.get("name"), "referrer_organisation": referrer.get("organisation"),
            "interpreter_needed": bool(family.get("interpreter_needed")), "language": family.get("language", "en")}


def carer_index(planned: Planned) -> int:
    """Which of the family's carers a family message is for ("carer-1" -> 1)."""
    return carer_number(planned.recipient)


def carer_name(people: dict[str, Any], index: int) -> str:
    carer = people["family"]["carers"][index]
    return f"{carer['given_name']} {carer['family_name']}"


def family_order(people: dict[str, Any], ctx: Context, index: int = 0) -> list[str]:
    """The channels to try for one carer: the family's preferred first, then the others they gave."""
    family = people["family"]
    reachable = set(carer_contacts(family["carers"][index])) & ctx.kinds
    return fallback_order(family.get("preferred_channel", "email"), reachable)


def every_carer(plans: list[Planned], people: dict[str, Any] | None, ctx: Context) -> list[Planned]:
    """Each message to the family goes to every carer the referrer gave (parents apart both hear):
    the first always (if no one can reach them, staff are told), each other carer when this service
    has a way to reach them. Each is its own message, with its own unique key."""
    if people is None:
        return plans
    others = [index for index, carer in enumerate(people["family"]["carers"]) if index
              and set(carer_contacts(carer)) & ctx.kinds]
    return [told for planned in plans for told in (
        [planned, *(replace(planned, recipient=f"carer-{index}") for index in others)]
        if planned.audience == FAMILY else [planned])]


def carer_of_message(dedupe_key: str) -> int:
    """Which carer a recorded family message is for, from its unique key (`dedupe_key`: the event,
    audience, recipient and template; a fallback's key extends the failed message's)."""
    return carer_number(recipient_of(dedupe_key))


def address_for(planned: Planned, people: dict[str, Any] | None, ctx: Context) -> tuple[str, str] | None:
    """(channel, address) for a planned message; None when this service cannot reach them."""
    if planned.audience == FAMILY and people is not None:
        index = carer_index(planned)
        if index >= len(people["family"]["carers"]):
            return None
        order = family_order(people, ctx, index)
        return (order[0], carer_contacts(people["family"]["carers"][index])[order[0]]) if order else None
    if planned.audience == REFERRER and people is not None:
        email = people["referrer"].get("email")
        return ("email", str(email)) if email and "email" in ctx.kinds else None
    if planned.recipient == "safeguarding-team":
        return "email", ctx.settings.safeguarding_email
    return "email", ctx.settings.staff_email


def _preferred(planned: Planned, people: dict[str, Any] | None) -> str:
    if planned.audience == FAMILY and people is not None:
        return str(people["family"].get("preferred_channel", "email"))
    return "email"


def message_values(ctx: Context, about: About, planned: Planned, *, kind: str, to: str, subject: str, body: str,
                   key: str | None = None, fallback_of: uuid.UUID | None = None) -> dict[str, Any]:
    """A pending message's row, with its unique key."""
    now = ctx.clock()
    return {
        "id": new_id(), "dedupe_key": key or dedupe_key(about.event_id, planned.audience, planned.recipient,
                                                            planned.template),
        "concern_id": about.concern_id, "reference": about.reference, "audience": planned.audience, "channel": kind,
        "provider": ctx.provider, "template": planned.template, "about_event_id": about.event_id,
        "about_event_type": about.event_type, "correlation_id": about.correlation_id, "to_address": f"{kind}:{to}",
        "subject": subject, "body": body, "status": PENDING, "created_at": now, "status_at": now,
        "fallback_of": fallback_of}


async def insert(repo: MessageRepository, ctx: Context, about: About, planned: Planned, *, kind: str, to: str,
                 subject: str, body: str, key: str | None = None, fallback_of: uuid.UUID | None = None
                 ) -> uuid.UUID | None:
    """Record a pending message once; None when its key was recorded before (a replay)."""
    values = message_values(ctx, about, planned, kind=kind, to=to, subject=subject, body=body, key=key,
                            fallback_of=fallback_of)
    message_id: uuid.UUID = values["id"]
    return message_id if await repo.add_once(**values) else None


def rendered(ctx: Context, about: About, planned: Planned, values: dict[str, Any],
             people: dict[str, Any] | None) -> tuple[dict[str, Any], bool]:
    """The message's row, rendered, and whether anyone can be reached by it."""
    if planned.audience == FAMILY and people is not None and carer_index(planned) < len(people["family"]["carers"]):
        values = {**values, "carer": carer_name(people, carer_index(planned))}  # each carer by their own name
    subject, body = ctx.renderer.render(planned.template, **values)
    address = address_for(planned, people, ctx)
    kind, to = address or (_preferred(planned, people), "")
    return message_values(ctx, about, planned, kind=kind, to=to, subject=subject, body=body), address is not None


async def record(repo: MessageRepository, ctx: Context, about: About, planned: Planned,
                 values: dict[str, Any], people: dict[str, Any] | None) -> tuple[uuid.UUID | None, bool]:
    """Render and record; returns (message id or None on replay, whether anyone can be reached)."""
    row, reachable = rendered(ctx, about, planned, values, people)
    return (row["id"] if await repo.add_once(**row) else None), reachable
