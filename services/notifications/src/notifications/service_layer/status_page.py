"""Use case: a family's private status page, and revoking its link.

The token is hashed and looked up; only that link's concern is ever read. An unknown, expired or
revoked token finds nothing, and the page says no more than that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncConnection

from notifications.adapters.journey_repository import JourneyRepository
from notifications.adapters.repository import MessageRepository
from notifications.domain.journey import WAITING_ON_TEAM
from notifications.domain.messages import unanswered_plan
from notifications.domain.status_link import looks_like_token, token_hash
from notifications.service_layer.context import Context


@dataclass(frozen=True)
class JourneyLine:
    on: date
    line: str


ENDED = frozenset({"withdrawn"})
DECIDED = frozenset({"routed", "decided"})  # the council decided what support: the family has rights about it


@dataclass(frozen=True)
class StatusView:
    reference: str
    child: str | None
    journey: list[JourneyLine]
    next_step: str
    expected_by: date | None
    overdue: bool
    contact: str
    ended: bool = False  # nothing more will happen (withdrawn): no "by when" to promise
    decided: bool = False  # a decision was made: the page says what the family can do about it
    advice: str = ""  # the council's SEND information, advice and support service (SENDIASS)
    chased: bool = False  # the team let the date pass: the council's staff are following it up


async def status_view(conn: AsyncConnection, ctx: Context, token: str) -> StatusView | None:
    if not looks_like_token(token):
        return None
    links = JourneyRepository(conn)
    found = await links.link(token_hash(token))
    if found is None or not found[1].usable(ctx.clock()):
        return None
    concern_id = found[0]
    steps = await links.steps(concern_id)
    if not steps:
        return None
    messages = MessageRepository(conn)
    sealed = await messages.sealed_recipients(concern_id)
    latest = steps[-1]
    chased = latest.status in WAITING_ON_TEAM and await messages.recorded_about(
        latest.event_id, unanswered_plan()[0].template)
    return StatusView(
        reference=latest.reference, child=ctx.people(sealed)["child_given_name"] if sealed else None,
        journey=[JourneyLine(s.at.date(), s.line) for s in steps], next_step=latest.next_step,
        expected_by=latest.expected_by,
        overdue=bool(latest.expected_by and latest.expected_by < ctx.clock().date()),
        contact=ctx.settings.council_contact, ended=latest.status in ENDED,
        decided=any(s.status in DECIDED for s in steps), advice=ctx.settings.sendiass_contact, chased=chased)


async def revoke(conn: AsyncConnection, ctx: Context, token: str) -> bool:
    if not looks_like_token(token):
        return False
    return await JourneyRepository(conn).revoke(token_hash(token), ctx.clock())
