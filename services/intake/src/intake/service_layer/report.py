"""Use case: how the front door is doing, for the council (management information).

Built from intake's own records, the concerns and their status histories, as counts, medians and
shares: never a name or any other detail of a child. The one list is of references, the concerns
whose statutory decision (whether to carry out an EHC needs assessment) is still to come (at most
6 weeks ahead) or fell due in the last 28 days, whenever they were received, so the council can check each with
its statutory team (the front door hands the concern over; it does not learn that decision).

Measures, for the concerns received in the period (days are calendar days, working days are
Monday to Friday; bank holidays are not known here):
- received, by door, and where they are now;
- the family's first message: how long after the concern arrived, and the share within 1 working day;
- the council's first decision (triage's outcome): how long, and the share within the 5 working
  days the family's first message promises;
- the panel's decision, for concerns listed for it: how long after the concern arrived;
- waiting now on the referrer for more information, and for how long the longest has waited;
- the pathway teams' answers, per team: the concerns the council sent it (their latest routing, by
  the policy or the panel), how many it answered (accepted, an appointment, declined: its report or
  staff recording it), how soon after it was sent them (the share within the 20 working days the
  family is told to expect the team's contact), how many it declined, and how many wait for its
  answer now, past the family's date or not.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from frontdoor_shared.statutory import DECIDE_WHETHER_TO_ASSESS, received_on
from intake.adapters import reports
from intake.domain.model import Status

TRIAGE_PROMISE_WORKING_DAYS = 5  # the family's first message promises a decision within these
TOLD_WITHIN_WORKING_DAYS = 1
TEAM_ANSWER_WORKING_DAYS = 20  # the family is told the team will contact them within these
OVERDUE_SHOWN_FOR = timedelta(days=28)  # a statutory decision past its day stays listed this long
MAX_PERIOD = timedelta(days=731)
EARLIEST = date(2000, 1, 1)  # before Front Door, and before the SEND Regulations it follows
_DECIDED = (Status.TRIAGED, Status.ROUTED, Status.MORE_INFORMATION_NEEDED, Status.SAFEGUARDING)
_SENT_TO_TEAM = (Status.ROUTED, Status.PANEL_DECIDED)
_TEAM_ANSWERS = (Status.REFERRAL_ACCEPTED, Status.APPOINTMENT_BOOKED, Status.REFERRAL_DECLINED)


class BadPeriod(ValueError):
    """The period is not one the report can cover (its field and the reason)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


@dataclass(frozen=True)
class Timing:
    """How long a step took, over the concerns that reached it."""

    reached: int
    median_hours: float | None
    p90_hours: float | None
    within: int | None = None  # how many within the promise, where there is one

    @property
    def within_share(self) -> float | None:
        return None if self.within is None or not self.reached else round(self.within / self.reached, 3)


@dataclass(frozen=True)
class StatutoryDue:
    """A concern on the statutory pathway whose decision whether to assess falls due soon or has passed."""

    reference: str
    routed_on: date  # the day the policy or the panel sent it to the statutory pathway
    due: date
    days_left: int  # negative once the day has passed


@dataclass(frozen=True)
class TeamAnswers:
    """How one pathway team answered the referrals the council sent it."""

    pathway: str
    sent: int  # the period's concerns whose latest routing went to this team
    answered: int  # it said accepted, booked the first appointment, or declined
    within: int  # answered within TEAM_ANSWER_WORKING_DAYS of the routing
    median_working_days: float | None  # from the routing to its first answer
    declined: int
    waiting: int  # no answer yet
    waiting_past_date: int  # ... and the family's date (TEAM_ANSWER_WORKING_DAYS) has passed

    @property
    def within_share(self) -> float | None:
        return round(self.within / self.answered, 3) if self.answered else None


@dataclass
class Report:
    start: date
    end: date
    today: date
    received: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    where_now: dict[str, int] = field(default_factory=dict)
    family_first_told: Timing = Timing(0, None, None, 0)
    first_decision: Timing = Timing(0, None, None, 0)
    panel_decision: Timing = Timing(0, None, None)
    awaiting_information: int = 0
    longest_awaiting_days: int | None = None
    statutory_due: list[StatutoryDue] = field(default_factory=list)
    teams: list[TeamAnswers] = field(default_factory=list)


def period(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """The period asked for (both days included), by default the last 28 days to today."""
    end = end or today
    start = start or end - timedelta(days=27)
    if start > end:
        raise BadPeriod("from", "the period must start on or before its last day")
    if start < EARLIEST:
        raise BadPeriod("from", f"the period must start on or after {EARLIEST.isoformat()}")
    if end > today + MAX_PERIOD:
        raise BadPeriod("to", "the period must end within two years of today")
    if end - start > MAX_PERIOD:
        raise BadPeriod("from", "ask for at most two years at a time")
    return start, end


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 the same day; Monday to Friday)."""
    days, current = 0, start
    while current < end:
        current += timedelta(days=1)
        days += current.weekday() < 5
    return days


def _hours(a: datetime, b: datetime) -> float:
    return max((b - a).total_seconds(), 0.0) / 3600


def _timing(pairs: list[tuple[datetime, datetime]], within_working_days: int | None = None) -> Timing:
    hours = sorted(_hours(a, b) for a, b in pairs)
    if not hours:
        return Timing(0, None, None, 0 if within_working_days is not None else None)
    p90 = hours[min(len(hours) - 1, int(0.9 * len(hours)))]
    within = None if within_working_days is None else sum(
        working_days_between(a.date(), b.date()) <= within_working_days for a, b in pairs)
    return Timing(len(hours), round(statistics.median(hours), 1), round(p90, 1), within)


def summarise(concerns: list[Any], history: list[Any], statutory: list[Any], start: date, end: date,
              today: date) -> Report:
    """The report from the period's concerns (id, reference, channel, status, submitted_at), their
    history lines (concern_id, status, at) in order of time, and the routing lines of any concern
    that went to the statutory pathway (reference, status now, at, due or None) in order of time."""
    report = Report(start, end, today, received=len(concerns))
    report.by_channel = dict(Counter(c.channel for c in concerns).most_common())
    report.where_now = dict(Counter(c.status for c in concerns).most_common())
    firsts: dict[Any, dict[str, Any]] = {c.id: {} for c in concerns}
    for line in history:
        seen = firsts[line.concern_id]
        kind = "decided" if line.status in _DECIDED else line.status
        seen.setdefault(kind, line.at)
        if line.status == Status.MORE_INFORMATION_NEEDED:
            seen["asked"] = line.at
        if line.status == Status.INFORMATION_ADDED:
            seen.pop("asked", None)
    at = {c.id: c.submitted_at for c in concerns}
    report.family_first_told = _timing([(at[i], f[Status.FAMILY_NOTIFIED]) for i, f in firsts.items()
                                        if Status.FAMILY_NOTIFIED in f], TOLD_WITHIN_WORKING_DAYS)
    report.first_decision = _timing([(at[i], f["decided"]) for i, f in firsts.items() if "decided" in f],
                                    TRIAGE_PROMISE_WORKING_DAYS)
    report.panel_decision = _timing([(at[i], f[Status.PANEL_DECIDED]) for i, f in firsts.items()
                                     if Status.PANEL_DECIDED in f])
    now = {c.id: c.status for c in concerns}
    waiting = [f["asked"] for i, f in firsts.items() if "asked" in f and now[i] == Status.MORE_INFORMATION_NEEDED]
    report.awaiting_information = len(waiting)
    report.longest_awaiting_days = (today - min(waiting).date()).days if waiting else None
    report.teams = _teams(history, today)
    latest = {line.reference: line for line in statutory}  # a correction's line replaces the first
    report.statutory_due = sorted(
        (StatutoryDue(line.reference, received_on(line.at), line.due, (line.due - today).days)
         for line in latest.values() if line.due is not None and line.status not in (Status.WITHDRAWN, Status.ERASED)
         and -OVERDUE_SHOWN_FOR <= line.due - today <= DECIDE_WHETHER_TO_ASSESS),
        key=lambda d: (d.due, d.reference))
    return report


def _teams(history: list[Any], today: date) -> list[TeamAnswers]:
    """Per pathway team, from each concern's latest routing and the team's answers after it (a
    routing again, a panel's correction, starts over: the team now asked is the one that owes it)."""
    sent: dict[Any, tuple[str, datetime]] = {}
    answers: dict[Any, list[Any]] = {}
    for line in history:
        if line.status in _SENT_TO_TEAM and line.pathway:
            sent[line.concern_id], answers[line.concern_id] = (line.pathway, line.at), []
        elif line.status in _TEAM_ANSWERS and line.concern_id in sent:
            answers[line.concern_id].append(line)
    teams: dict[str, list[tuple[datetime, list[Any]]]] = {}
    for concern_id, (pathway, at) in sent.items():
        teams.setdefault(pathway, []).append((at, answers[concern_id]))
    found = []
    for pathway, referrals in sorted(teams.items()):
        days = [working_days_between(at.date(), said[0].at.date()) for at, said in referrals if said]
        silent = [at for at, said in referrals if not said]
        found.append(TeamAnswers(
            pathway, sent=len(referrals), answered=len(days),
            within=sum(d <= TEAM_ANSWER_WORKING_DAYS for d in days),
            median_working_days=float(statistics.median(days)) if days else None,
            declined=sum(any(a.status == Status.REFERRAL_DECLINED for a in said) for _, said in referrals),
            waiting=len(silent),
            waiting_past_date=sum(working_days_between(at.date(), today) > TEAM_ANSWER_WORKING_DAYS for at in silent)))
    return found


async def front_door_report(conn: AsyncConnection, start: date, end: date, today: date) -> Report:
    """Read the period's concerns, their history lines and the statutory pathway's routing lines, and
    summarise them."""
    concerns = [r for r in await reports.concerns_arrived(conn, *_utc_bounds(start, end))
                if start <= received_on(r.submitted_at) <= end]
    history = await reports.history_of(conn, [c.id for c in concerns])
    # a decision falls due 6 weeks after the day received: only routing lines of the last 10 weeks matter
    since = datetime.combine(today - OVERDUE_SHOWN_FOR - DECIDE_WHETHER_TO_ASSESS, time.min, UTC) - timedelta(days=1)
    return summarise(concerns, history, await reports.statutory_routing_lines(conn, since), start, end, today)


def _utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Instants that hold every concern received in England from `start` to `end` (a day in England
    starts up to an hour before it does in UTC); the exact day is then checked per concern."""
    return (datetime.combine(start, time.min, UTC) - timedelta(hours=1),
            datetime.combine(end + timedelta(days=1), time.min, UTC))
