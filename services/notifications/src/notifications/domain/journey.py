"""A child's journey as a family reads it: each status in plain English, what happens next and
by when. Lines never name anyone: the status page adds the child's name around them."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from notifications.domain import messages as m

TRIAGE_DAYS = 5  # working days the council promises between a concern and its triage
DECISION_DAYS = 5  # working days between a panel meeting and the letter saying what it decided
ROUTED_DAYS = 20  # working days before a family should chase a pathway team


@dataclass(frozen=True)
class Facts:
    """What an event says about a concern's progress (codes and dates only)."""

    kind: str
    at: datetime
    outcome: str | None = None
    pathway: str | None = None
    panel_date: date | None = None
    due: date | None = None
    agency: str | None = None
    next_review: date | None = None
    agency_name: str | None = None  # an action's agency and task in the council's words, when the event has them
    task_text: str | None = None
    reason_text: str | None = None  # why a concern was withdrawn, in the council's words
    received_on: date | None = None  # the day the council received the concern (the statutory clocks' start)
    statutory_decision_due: date | None = None  # the statutory pathway: decide whether to assess by then
    stage: str | None = None  # the pathway team's report: accepted, appointment-booked, declined
    contact_by: date | None = None  # accepted: the team will contact the family by then
    appointment_on: date | None = None  # appointment-booked: the child's first appointment


@dataclass(frozen=True)
class Step:
    status: str
    line: str
    next_step: str
    expected_by: date | None
    pathway: str | None = None  # the team a step waits on (routed, decided): who to chase if it stays silent


# Statuses after which the family is waiting for the council: silence here is what families
# complain of. Elsewhere the child is with a pathway team or the safeguarding team.
WAITING_ON_COUNCIL = frozenset({"submitted", "more-information-needed", "panel", "listed-for-panel",
                                "referral-declined"})
# Statuses after which the family is waiting for a pathway team's first word: the council chases
# the team when its date passes with no answer (`service_layer.unanswered`).
WAITING_ON_TEAM = frozenset({"routed", "decided"})


@functools.lru_cache(maxsize=1024)  # the same few service dates for every concern of a day
def long_date(day: date) -> str:
    """GOV.UK style: 4 June 2026."""
    return f"{day.day} {day:%B %Y}"


@functools.lru_cache(maxsize=1024)  # walked day by day: 3% of the service's CPU before it was kept
def add_working_days(start: date, days: int) -> date:
    """`days` working days (Monday to Friday) after `start`; bank holidays are not known here."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def _team(pathway: str | None) -> str:
    return f"the {m.PATHWAY_NAMES.get(pathway or '', 'support')} team"


def _statutory(status: str, line: str, due: date) -> Step:
    """On the statutory pathway the law, not the council, sets the date the family can hold it to."""
    return Step(status, line, "We must decide whether to carry out an education, health and care needs "
                f"assessment, and write to tell you, by {long_date(due)}.", due, "statutory")


def _triaged(f: Facts) -> Step | None:
    day = f.at.date()
    if f.outcome == "routed" and f.statutory_decision_due:
        return _statutory("routed", f"We asked {_team(f.pathway)} to help.", f.statutory_decision_due)
    if f.outcome == "routed":
        return Step("routed", f"We asked {_team(f.pathway)} to help.",
                    f"{_team(f.pathway).capitalize()} will contact you.", add_working_days(day, ROUTED_DAYS),
                    f.pathway)
    if f.outcome == "panel":
        return Step("panel", "We decided the early years inclusion panel should look at what support is best.",
                    "We will tell you the date of the panel meeting.", None)
    if f.outcome == "more-information-needed":
        return Step("more-information-needed", "We asked the professional who raised the concern for more "
                    "information.", "When we have it, we will decide what to do and write to you.", None)
    # Safeguarding: the family's page says nothing new (see domain.messages.plan_for).
    return None


def _action_step(f: Facts, due: date) -> Step:
    """What the panel asked an agency to do, in the council's words; an action recorded before its
    task and the agency's name travelled with it still reads as English, never as a code."""
    who = f.agency_name or "one of the teams that work with the panel"
    if f.task_text:
        return Step("action-assigned", f"The panel asked {who} to {f.task_text}.",
                    f"{who[:1].upper()}{who[1:]} will do this by {long_date(due)}.", due)
    return Step("action-assigned", f"The panel asked {who} to do something to help.",
                f"They will do it by {long_date(due)}.", due)


def _progressed(f: Facts) -> Step | None:
    """What the team the child was referred to said: the family's next date, or back to us."""
    team, day = _team(f.pathway), f.at.date()
    if f.stage == "accepted":
        by = f.contact_by or add_working_days(day, ROUTED_DAYS)
        return Step("referral-accepted", f"{team.capitalize()} accepted the referral.",
                    f"{team.capitalize()} will contact you by {long_date(by)} to arrange what happens next.", by)
    if f.stage == "appointment-booked" and f.appointment_on:
        return Step("appointment-booked", f"{team.capitalize()} booked the first appointment for "
                    f"{long_date(f.appointment_on)}.", "If you cannot go, please tell the team as soon as you can, "
                    "so they can offer another day.", f.appointment_on)
    if f.stage == "declined":
        why = f", because {f.reason_text}" if f.reason_text else ""
        return Step("referral-declined", f"{team.capitalize()} decided not to take the referral{why}.",
                    "We will look again at what help is right for your child and write to you.",
                    add_working_days(day, TRIAGE_DAYS))
    return None


def step_for(f: Facts) -> Step | None:
    day = f.at.date()
    if f.kind == m.SUBMITTED:
        return Step("submitted", "We received a concern asking for extra help.",
                    "We will look at it against our published guide to children's needs and write to you.",
                    add_working_days(day, TRIAGE_DAYS))
    if f.kind == m.TRIAGED:
        return _triaged(f)
    if f.kind == m.LISTED:
        when = f" on {long_date(f.panel_date)}" if f.panel_date else ""
        return Step("listed-for-panel", f"The early years inclusion panel will discuss the support needed{when}.",
                    "We will write to you to say what the panel decided and why.",
                    add_working_days(f.panel_date, DECISION_DAYS) if f.panel_date else None)
    if f.kind == m.DECIDED and f.statutory_decision_due:
        return _statutory("decided", f"The panel decided {_team(f.pathway)} should help.", f.statutory_decision_due)
    if f.kind == m.DECIDED:
        review = f" The panel will check how things are going by {long_date(f.next_review)}." if f.next_review else ""
        return Step("decided", f"The panel decided {_team(f.pathway)} should help.",
                    f"{_team(f.pathway).capitalize()} will contact you.{review}", add_working_days(day, ROUTED_DAYS),
                    f.pathway)
    if f.kind == m.WITHDRAWN:
        why = f", because {f.reason_text}" if f.reason_text else ""
        return Step("withdrawn", f"The professional who raised the concern withdrew it{why}.",
                    "We will not do anything more about this concern. If you think your child needs extra help, "
                    "talk to your health visitor or your child's setting, or contact us.", None)
    if f.kind == m.PROGRESSED:
        return _progressed(f)
    if f.kind == m.ACTION_ASSIGNED and f.due:
        return _action_step(f, f.due)
    return None


def is_unanswered(status: str, pathway: str | None, expected_by: date | None, today: date,
                  chased: frozenset[str]) -> bool:
    """A team the family was told would contact them by a date has let it pass without a word
    to the council (accepted, an appointment, declined), on a pathway the council chases."""
    return (status in WAITING_ON_TEAM and pathway in chased and expected_by is not None
            and expected_by < today)


def is_still_waiting(status: str, last_change: datetime, now: datetime, idle_days: int) -> bool:
    """The family has waited on the council, without news, for `idle_days` or more."""
    return status in WAITING_ON_COUNCIL and now - last_change >= timedelta(days=idle_days)
