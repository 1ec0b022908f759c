"""Use case: the team a child was routed to says how the referral is going.

After routing, the family's next news comes from the pathway team, and families complain most of
the silence there. The team's system reports, by `POST /api/v1/referrals/{reference}/progress`:
it accepted the referral (and by when it will contact the family), booked the first appointment,
or declined it (a reason from the council's list). Intake adds the line to the concern's history
(the referrer, the partner and the council see it) and publishes `intake.referral-progressed.v1`
in the same transaction; notifications tells the family and the referrer, and raises a decline to
the council's staff. Reporting the same thing twice changes nothing; a new appointment day is news.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from frontdoor_shared.auth import Principal
from frontdoor_shared.contracts import ReferralProgressedV1
from frontdoor_shared.contracts.referral_progressed_v1 import DECLINE_REASONS, DeclineReason, ProgressStage
from frontdoor_shared.uow import UnitOfWork
from intake.adapters import audit
from intake.adapters.repository import ConcernRepository
from intake.domain.model import FINISHED_BY_COUNCIL, Status, StatusChange, routed_pathway
from intake.service_layer import partner_feed
from intake.service_layer.revise import NoSuchConcern

STATUS_OF_STAGE = {"accepted": Status.REFERRAL_ACCEPTED, "appointment-booked": Status.APPOINTMENT_BOOKED,
                   "declined": Status.REFERRAL_DECLINED}
FAR_AHEAD = timedelta(days=366)  # a date further off than a year is a typing mistake
OWNER = {"contact_by": "accepted", "appointment_on": "appointment-booked", "reason": "declined"}
NEEDED = {"appointment_on": "the day of the first appointment is needed for appointment-booked",
          "reason": "a reason from the council's list is needed for declined"}


class ProgressIn(BaseModel):
    """How a referral is going, from the team it was routed to."""

    model_config = ConfigDict(extra="forbid")

    stage: ProgressStage = Field(description=(
        "accepted: the team took the referral; appointment-booked: the child's first appointment is booked "
        "(send it again with the new day if it moves); declined: the team will not take it (a reason is needed)"))
    contact_by: date | None = Field(default=None, validate_default=True, description=(
        "accepted: the day by which the team will contact the family (today or later, within a year)"))
    appointment_on: date | None = Field(default=None, validate_default=True, description=(
        "appointment-booked: the day of the first appointment (today or later, within a year)"))
    reason: DeclineReason | None = Field(default=None, validate_default=True, description=(
        "declined: why, from the council's list: " + "; ".join(f"{k} ({v})" for k, v in DECLINE_REASONS.items())))

    @field_validator("contact_by", "appointment_on", "reason")
    @classmethod
    def _fits_the_stage(cls, value: Any, info: ValidationInfo) -> Any:
        """Each of these goes with one stage; a booked appointment needs its day, a decline its
        reason. Checked per field, so an error names the field it is about."""
        name, stage = str(info.field_name), info.data.get("stage")
        owner = OWNER[name]
        if value is not None and stage != owner:
            raise ValueError(f"goes with stage {owner} only")
        if value is None and stage == owner and name in NEEDED:
            raise ValueError(NEEDED[name])
        return value

    def detail(self, pathway: str) -> dict[str, Any]:
        """The history line's detail: codes and days only."""
        out: dict[str, Any] = {"pathway": pathway, "stage": self.stage}
        for name in ("contact_by", "appointment_on"):
            if (day := getattr(self, name)) is not None:
                out[name] = day.isoformat()
        if self.reason is not None:
            out["reason"] = self.reason
        return out


class NotProgressable(Exception):
    """The concern is not with a team (not routed, withdrawn or erased): nothing to report on."""


class BadDay(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


@dataclass(frozen=True)
class Progressed:
    reference: str
    concern_id: uuid.UUID
    status: str
    recorded: bool  # False: the same report again, nothing new


def check_days(progress: ProgressIn, today: date) -> None:
    for name in ("contact_by", "appointment_on"):
        day = getattr(progress, name)
        if day is not None and not today <= day <= today + FAR_AHEAD:
            raise BadDay(name, f"must be today ({today.isoformat()}) or later, and within a year")


async def pathway_of(conn: Any, reference: str) -> str | None:
    """The pathway the concern was routed to (None: not routed, or no such concern)."""
    concern = await ConcernRepository(conn).get(reference)
    return routed_pathway(concern.history) if concern is not None else None


async def report_progress(uow: UnitOfWork, reference: str, progress: ProgressIn, *, actor: Principal,
                          channel: str = "api", clock: Callable[[], datetime] | None = None) -> Progressed:
    """Record the team's report and publish it, in one transaction; the same report again is a no-op."""
    now = (clock or (lambda: datetime.now(UTC)))()
    check_days(progress, now.date())
    async with uow:
        repo = ConcernRepository(uow.conn)
        concern_id = await repo.id_of(reference)
        if concern_id is None:
            raise NoSuchConcern(reference)
        # locked before the history is read: two reports at once (a retry) are taken one after the
        # other, so the same report twice still records one line
        present = await repo.status_of(concern_id)
        concern = await repo.get(reference)
        if concern is None:
            raise NoSuchConcern(reference)
        pathway = routed_pathway(concern.history)
        if pathway is None or present in (Status.WITHDRAWN, Status.ERASED):
            raise NotProgressable(f"the concern is {present}, not with a team that could report on it")
        status, detail = STATUS_OF_STAGE[progress.stage], progress.detail(pathway)
        last = next((h for h in reversed(concern.history) if h.status in STATUS_OF_STAGE.values()), None)
        if last is not None and last.status == status and last.detail == detail:
            await uow.commit()
            return Progressed(reference, concern.id, str(present), recorded=False)
        change = StatusChange(status, now, detail, ReferralProgressedV1.TYPE)
        # the team's latest report is where the referral stands (a team may accept after declining)
        moves = present in FINISHED_BY_COUNCIL
        await repo.add_status(concern.id, change, current=moves)
        if moves:
            await partner_feed.tell_partners(uow, [(concern.id, change)])
        await audit.record(uow.conn, actor, f"referral:{progress.stage}", reference, concern_id=concern.id,
                           why=f"the {pathway} team reported", channel=channel)
        uow.emit(ReferralProgressedV1(
            concern_id=concern.id, reference=reference, pathway=pathway, stage=progress.stage, progressed_at=now,
            contact_by=progress.contact_by, appointment_on=progress.appointment_on, reason=progress.reason,
            reason_text=DECLINE_REASONS[progress.reason] if progress.reason else None),
            subject=reference, key=str(concern.id))
        await uow.commit()
    return Progressed(reference, concern.id, status if moves else str(present), recorded=True)
