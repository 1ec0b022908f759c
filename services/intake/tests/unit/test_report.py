"""The council's report from concerns and their history lines (no database): counts, medians,
shares within the promises, who waits on the referrer, and the statutory decisions falling due."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from intake.service_layer.report import BadPeriod, period, summarise, working_days_between

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)


def _concern(channel: str, status: str, at: datetime = MONDAY) -> Any:
    cid = uuid.uuid4()
    return SimpleNamespace(id=cid, reference=f"FD-{cid.hex[:4].upper()}-TEST", channel=channel, status=status,
                           submitted_at=at)


def _line(concern: Any, status: str, after: timedelta, pathway: str | None = None) -> Any:
    return SimpleNamespace(concern_id=concern.id, status=status, at=concern.submitted_at + after, pathway=pathway)


def test_working_days_count_monday_to_friday_after_the_first_day() -> None:
    assert working_days_between(date(2026, 11, 2), date(2026, 11, 2)) == 0
    assert working_days_between(date(2026, 11, 6), date(2026, 11, 9)) == 1  # Friday to Monday
    assert working_days_between(date(2026, 11, 2), date(2026, 11, 9)) == 5


def test_the_period_is_the_last_28_days_by_default_and_refused_when_backwards_or_too_long() -> None:
    assert period(None, None, TODAY) == (date(2026, 11, 3), TODAY)
    with pytest.raises(BadPeriod, match="start on or before"):
        period(date(2026, 12, 1), date(2026, 11, 1), TODAY)
    with pytest.raises(BadPeriod, match="two years"):
        period(date(2020, 1, 1), TODAY, TODAY)
    with pytest.raises(BadPeriod, match="on or after 2000-01-01"):  # date.min would overflow the clock's arithmetic
        period(date(1, 1, 1), date(1, 1, 2), TODAY)
    with pytest.raises(BadPeriod, match="within two years of today") as late:
        period(date(9999, 12, 30), date(9999, 12, 31), TODAY)
    assert late.value.field == "to"


def test_counts_medians_and_shares_within_the_promises() -> None:
    quick = _concern("api", "listed-for-panel")
    slow = _concern("form", "routed")
    waiting = _concern("form", "more-information-needed")
    answered = _concern("fhir", "information-added")
    history = sorted([
        _line(quick, "family-notified", timedelta(minutes=1)), _line(quick, "triaged", timedelta(minutes=1)),
        _line(quick, "listed-for-panel", timedelta(minutes=2)), _line(quick, "panel-decided", timedelta(days=10)),
        _line(slow, "family-notified", timedelta(days=3)), _line(slow, "routed", timedelta(days=8)),
        _line(waiting, "more-information-needed", timedelta(hours=1)),
        _line(answered, "more-information-needed", timedelta(hours=1)),
        _line(answered, "information-added", timedelta(days=2)),
    ], key=lambda line: line.at)

    r = summarise([quick, slow, waiting, answered], history, [], date(2026, 11, 1), date(2026, 11, 30), TODAY)

    assert r.received == 4
    assert r.by_channel == {"form": 2, "api": 1, "fhir": 1}
    assert r.where_now == {"listed-for-panel": 1, "routed": 1, "more-information-needed": 1, "information-added": 1}
    assert (r.family_first_told.reached, r.family_first_told.within) == (2, 1)  # 3 days is over 1 working day
    assert r.family_first_told.within_share == 0.5
    assert r.first_decision.reached == 4  # triaged, routed and both asked for more: each a first decision
    assert r.first_decision.within == 3  # routed after 8 days (6 working days) broke the promise of 5
    assert r.first_decision.median_hours == 1.0
    assert (r.panel_decision.reached, r.panel_decision.median_hours) == (1, 240.0)
    assert (r.awaiting_information, r.longest_awaiting_days) == (1, 28)  # the answered one waits on no one


def test_statutory_decisions_still_to_come_or_passed_in_the_last_four_weeks_are_listed_soonest_first() -> None:
    def line(reference: str, status: str, due: date | None, at: datetime = MONDAY) -> Any:
        return SimpleNamespace(reference=reference, status=status, at=at, due=due)

    statutory = [line("FD-AAAA-0001", "routed", date(2026, 12, 14)),
                 line("FD-AAAA-0002", "panel-decided", date(2026, 11, 20)),
                 line("FD-AAAA-0003", "routed", date(2027, 2, 1)),  # over 6 weeks ahead: no date the law gives
                 line("FD-AAAA-0007", "routed", date(2027, 1, 5)),  # still to come: listed
                 line("FD-AAAA-0008", "routed", date(2026, 10, 20)),  # passed over 4 weeks ago: no longer listed
                 line("FD-AAAA-0004", "withdrawn", date(2026, 12, 1)),  # withdrawn since: nothing to decide
                 line("FD-AAAA-0005", "panel-decided", date(2026, 12, 2)),
                 line("FD-AAAA-0005", "panel-decided", date(2026, 12, 9), MONDAY + timedelta(days=1)),  # corrected
                 line("FD-AAAA-0006", "panel-decided", date(2026, 12, 3)),
                 line("FD-AAAA-0006", "panel-decided", None, MONDAY + timedelta(days=2))]  # corrected to another

    r = summarise([], [], statutory, date(2026, 11, 1), TODAY, TODAY)

    assert [(d.reference, d.due, d.days_left) for d in r.statutory_due] == [
        ("FD-AAAA-0002", date(2026, 11, 20), -10), ("FD-AAAA-0005", date(2026, 12, 9), 9),
        ("FD-AAAA-0001", date(2026, 12, 14), 14), ("FD-AAAA-0007", date(2027, 1, 5), 36)]
    assert r.received == 0
    assert r.first_decision.within_share is None


def test_each_teams_answers_from_the_latest_routing_and_who_waits_past_the_familys_date() -> None:
    day = timedelta(days=1)
    quick, slow, declined, silent, moved, early, no_team = (_concern("api", "routed") for _ in range(7))
    history = sorted([
        _line(quick, "routed", day, "slcn"), _line(quick, "referral-accepted", 3 * day),  # 2 working days
        _line(quick, "appointment-booked", 10 * day),
        _line(slow, "routed", day, "slcn"), _line(slow, "referral-accepted", 40 * day),  # 28 working days
        _line(declined, "panel-decided", day, "outreach"), _line(declined, "referral-declined", 2 * day),
        _line(silent, "routed", day, "slcn"),  # 3 Nov to 30 Nov: 19 working days, not yet past the date
        _line(moved, "routed", day, "outreach"), _line(moved, "referral-declined", 2 * day),
        _line(moved, "panel-decided", 3 * day, "sen-support"),  # sent again: the new team owes the answer
        _line(early, "referral-accepted", day),  # an answer with no routing before it counts for no team
        _line(no_team, "panel-decided", day, None),  # a decision naming no team
    ], key=lambda line: line.at)

    r = summarise([quick, slow, declined, silent, moved, early, no_team], history, [], date(2026, 11, 1), TODAY,
                  TODAY)

    teams = {t.pathway: t for t in r.teams}
    assert list(teams) == ["outreach", "sen-support", "slcn"]
    slcn = teams["slcn"]
    assert (slcn.sent, slcn.answered, slcn.within, slcn.declined, slcn.waiting, slcn.waiting_past_date) == (
        3, 2, 1, 0, 1, 0)
    assert slcn.median_working_days == 15.0  # of 2 and 28
    assert slcn.within_share == 0.5
    outreach = teams["outreach"]
    assert (outreach.sent, outreach.answered, outreach.declined, outreach.waiting) == (1, 1, 1, 0)
    sen = teams["sen-support"]
    assert (sen.sent, sen.answered, sen.waiting, sen.median_working_days, sen.within_share) == (1, 0, 1, None, None)

    later = summarise([silent], [h for h in history if h.concern_id == silent.id], [], date(2026, 11, 1), TODAY,
                      TODAY + timedelta(days=3))  # Thursday 3 December: 22 working days
    assert (later.teams[0].waiting, later.teams[0].waiting_past_date) == (1, 1)
