"""Use case: the referrer adds the information triage asked for, and triage decides again.

Only while the concern waits for it (`more-information-needed`). The referrer gives the "about
the concern" answers as they now stand (need, ranges, what has been tried, screening results,
description); they are checked by the same models as a new concern, with the rules across the
concern's parts (an NHS referrer says whether the parent was told). The details are stored
encrypted again, the history says information was added, and `intake.concern-updated.v1` (codes and
numbers only) asks triage to decide again, all in one transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from frontdoor_shared.at_rest import Keyring
from frontdoor_shared.auth import Principal
from frontdoor_shared.contracts import ConcernUpdatedV1
from frontdoor_shared.uow import UnitOfWork
from intake.adapters import audit
from intake.adapters.repository import ConcernRepository
from intake.domain import checks
from intake.domain.model import Status, StatusChange
from intake.service_layer import partner_feed
from intake.service_layer.schemas import ConcernDetail, ConcernIn


class NotAwaitingInformation(ValueError):
    """The concern is not waiting for more information (triage has not asked, or has decided)."""

    def __init__(self, status: str) -> None:
        super().__init__(f"the concern is {status}: the council has not asked for more information")
        self.status = status


class NoSuchConcern(LookupError):
    """No concern with this reference."""


@dataclass(frozen=True)
class Revised:
    reference: str
    concern_id: uuid.UUID
    revision: int


def revision_of(history: list[StatusChange]) -> int:
    """The concern's next version: 2 for the first answer to triage, 3 for the next, ..."""
    return 2 + sum(1 for change in history if change.status == Status.INFORMATION_ADDED)


def updated_event(concern_id: uuid.UUID, reference: str, merged: ConcernIn, revision: int,
                  at: datetime) -> ConcernUpdatedV1:
    about, born = merged.concern, merged.child.date_of_birth
    return ConcernUpdatedV1(
        concern_id=concern_id, reference=reference, updated_at=at, revision=revision,
        age_in_months=checks.age_in_months(born, at.date()) if born else None,
        need_codes=about.need_codes, ranges=about.ranges, screening=about.screening,
        tried_for_weeks=max((t.weeks for t in about.tried), default=None), urgency=about.urgency,
        safeguarding=about.safeguarding, parent_informed=about.parent_informed)


async def add_information(uow: UnitOfWork, reference: str, about: ConcernDetail, *, actor: Principal,
                          channel: str, keyring: Keyring, clock: Callable[[], datetime] | None = None) -> Revised:
    """Store the answers and ask triage to decide again. Raises `NoSuchConcern`,
    `NotAwaitingInformation`, or pydantic's `ValidationError` for a rule across the concern's parts."""
    async with uow:
        revised = await add_information_within(uow, reference, about, actor=actor, channel=channel, keyring=keyring,
                                               clock=clock)
        await uow.commit()
    return revised


async def add_information_within(uow: UnitOfWork, reference: str, about: ConcernDetail, *, actor: Principal,
                                 channel: str, keyring: Keyring, clock: Callable[[], datetime] | None = None
                                 ) -> Revised:
    """`add_information` inside a unit of work the caller opened and commits (with its inbox row)."""
    now = (clock or (lambda: datetime.now(UTC)))()
    repo = ConcernRepository(uow.conn, keyring)
    concern = await repo.get(reference, open_details=True)
    if concern is None:
        raise NoSuchConcern(reference)
    status = await repo.status_of(concern.id)  # locked: one answer at a time, against the present status
    if status != Status.MORE_INFORMATION_NEEDED:
        raise NotAwaitingInformation(str(status))
    details: dict[str, Any] = {**concern.details, "concern": about.model_dump(mode="json")}
    merged = ConcernIn.model_validate(details)
    revision = revision_of(concern.history)
    await repo.replace_details(concern.id, details)
    change = StatusChange(Status.INFORMATION_ADDED, now, {"revision": revision}, ConcernUpdatedV1.TYPE)
    await repo.add_status(concern.id, change)
    await partner_feed.tell_partners(uow, [(concern.id, change)])
    await audit.record(uow.conn, actor, "add-information", reference, concern_id=concern.id,
                       why="the referrer answered triage's request for more information", channel=channel)
    uow.emit(updated_event(concern.id, reference, merged, revision, now), subject=reference, key=str(concern.id))
    return Revised(reference, concern.id, revision)
