"""The journey in plain English, its promised dates, and when a family is still waiting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from notifications.domain import messages as m
from notifications.domain.journey import Facts, add_working_days, is_still_waiting, is_unanswered, step_for

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_working_days_skip_weekends() -> None:
    assert add_working_days(date(2026, 3, 2), 5) == date(2026, 3, 9)
    assert add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)


def test_a_new_concern_promises_triage_within_five_working_days() -> None:
    step = step_for(Facts(kind=m.SUBMITTED, at=MONDAY))
    assert step is not None
    assert step.status == "submitted"
    assert step.expected_by == date(2026, 3, 9)


def test_a_listed_case_expects_the_decision_letter_after_the_meeting() -> None:
    step = step_for(Facts(kind=m.LISTED, at=MONDAY, panel_date=date(2026, 3, 18)))
    assert step is not None
    assert "18 March 2026" in step.line
    assert step.expected_by == date(2026, 3, 25)


def test_journey_lines_name_no_one() -> None:
    kinds = [Facts(kind=m.SUBMITTED, at=MONDAY), Facts(kind=m.TRIAGED, at=MONDAY, outcome="routed", pathway="slcn"),
             Facts(kind=m.DECIDED, at=MONDAY, pathway="outreach", next_review=date(2026, 9, 1))]
    for facts in kinds:
        step = step_for(facts)
        assert step is not None
        assert "Amara" not in step.line + step.next_step


def test_staff_only_events_add_nothing_to_the_familys_journey() -> None:
    assert step_for(Facts(kind=m.ESCALATED, at=MONDAY)) is None
    assert step_for(Facts(kind=m.ACTION_OVERDUE, at=MONDAY, due=date(2026, 4, 1))) is None


@pytest.mark.parametrize(("status", "days_idle", "expected"), [
    ("submitted", 19, False), ("submitted", 20, True), ("listed-for-panel", 45, True),
    ("more-information-needed", 21, True), ("routed", 60, False), ("safeguarding", 60, False),
])
def test_a_family_is_still_waiting_after_the_idle_days_while_the_council_owes_them_news(
        status: str, days_idle: int, expected: bool) -> None:
    clock = MONDAY + timedelta(days=days_idle)  # a fake clock: no waiting in tests
    assert is_still_waiting(status, MONDAY, clock, 20) is expected


def test_an_action_tells_the_family_which_agency_will_do_what_by_when_in_the_councils_words() -> None:
    step = step_for(Facts(kind=m.ACTION_ASSIGNED, at=MONDAY, agency="speech-and-language", due=date(2026, 4, 1),
                          agency_name="Speech and language therapy",
                          task_text="visit the setting and advise its staff"))
    assert step is not None
    assert step.status == "action-assigned"
    assert step.line == "The panel asked Speech and language therapy to visit the setting and advise its staff."
    assert step.next_step == "Speech and language therapy will do this by 1 April 2026."
    assert step.expected_by == date(2026, 4, 1)


def test_an_action_from_before_tasks_were_recorded_reads_as_english_never_as_a_code() -> None:
    step = step_for(Facts(kind=m.ACTION_ASSIGNED, at=MONDAY, agency="speech-and-language", due=date(2026, 4, 1)))
    assert step is not None
    assert "speech-and-language" not in step.line + step.next_step
    assert step.line == "The panel asked one of the teams that work with the panel to do something to help."
    assert step.next_step == "They will do it by 1 April 2026."


def test_a_withdrawn_concern_says_why_promises_nothing_and_is_never_chased() -> None:
    step = step_for(Facts(kind=m.WITHDRAWN, at=MONDAY, reason_text="the family has moved out of the council's area"))
    assert step is not None
    assert step.line == ("The professional who raised the concern withdrew it, because the family has moved out "
                         "of the council's area.")
    assert step.expected_by is None
    assert not is_still_waiting(step.status, MONDAY, MONDAY + timedelta(days=365), 20)
    assert m.plan_for(m.WITHDRAWN) == [m.Planned("family", "family/concern-withdrawn", "carer-0")]


@pytest.mark.parametrize("kind", [m.TRIAGED, m.DECIDED])
def test_on_the_statutory_pathway_the_page_promises_the_legal_date_not_the_teams(kind: str) -> None:
    due = date(2026, 4, 13)
    step = step_for(Facts(kind=kind, at=MONDAY, outcome="routed", pathway="statutory", received_on=date(2026, 3, 2),
                          statutory_decision_due=due))
    assert step is not None
    assert step.expected_by == due
    assert step.next_step == ("We must decide whether to carry out an education, health and care needs assessment, "
                              "and write to tell you, by 13 April 2026.")
    without = step_for(Facts(kind=kind, at=MONDAY, outcome="routed", pathway="statutory"))  # an older event
    assert without is not None
    assert without.expected_by == add_working_days(MONDAY.date(), 20)


def test_the_teams_answers_give_the_family_its_next_date_or_send_it_back_to_the_council() -> None:
    accepted = step_for(Facts(kind=m.PROGRESSED, at=MONDAY, pathway="slcn", stage="accepted",
                              contact_by=date(2026, 3, 20)))
    unsaid = step_for(Facts(kind=m.PROGRESSED, at=MONDAY, pathway="slcn", stage="accepted"))
    booked = step_for(Facts(kind=m.PROGRESSED, at=MONDAY, pathway="slcn", stage="appointment-booked",
                            appointment_on=date(2026, 4, 8)))
    declined = step_for(Facts(kind=m.PROGRESSED, at=MONDAY, pathway="slcn", stage="declined",
                              reason_text="another service is better placed to help"))
    assert None not in (accepted, unsaid, booked, declined)
    assert (accepted.status, accepted.expected_by) == ("referral-accepted", date(2026, 3, 20))
    assert "will contact you by 20 March 2026" in accepted.next_step
    assert unsaid.expected_by == add_working_days(MONDAY.date(), 20)  # the council's usual wait
    assert (booked.status, booked.expected_by) == ("appointment-booked", date(2026, 4, 8))
    assert "8 April 2026" in booked.line
    assert declined.status == "referral-declined"
    assert "because another service is better placed to help" in declined.line
    assert declined.expected_by == add_working_days(MONDAY.date(), 5)
    later = MONDAY + timedelta(days=30)
    assert is_still_waiting("referral-declined", MONDAY, later, 20)  # back with the council: chased
    assert not is_still_waiting("referral-accepted", MONDAY, later, 20)  # with the team


@pytest.mark.parametrize(("kind", "outcome"), [(m.TRIAGED, "routed"), (m.DECIDED, None)])
def test_a_step_waiting_on_a_team_names_the_team_to_chase(kind: str, outcome: str | None) -> None:
    step = step_for(Facts(kind=kind, at=MONDAY, outcome=outcome, pathway="sen-support"))
    assert step is not None
    assert step.pathway == "sen-support"
    assert step.expected_by == date(2026, 3, 30)  # 20 working days: the date the family was given
    statutory = step_for(Facts(kind=kind, at=MONDAY, outcome=outcome, pathway="statutory",
                               statutory_decision_due=date(2026, 4, 13)))
    assert statutory is not None
    assert statutory.pathway == "statutory"
    assert step_for(Facts(kind=m.SUBMITTED, at=MONDAY)).pathway is None  # type: ignore[union-attr]


CHASED = frozenset({"slcn", "sen-support"})


@pytest.mark.parametrize(("status", "pathway", "today", "expected"), [
    ("routed", "slcn", date(2026, 3, 30), False),  # the day itself: the team may still call today
    ("routed", "slcn", date(2026, 3, 31), True),
    ("decided", "sen-support", date(2026, 4, 20), True),
    ("routed", "outreach", date(2026, 4, 20), False),  # a pathway the council does not chase
    ("referral-accepted", "slcn", date(2026, 4, 20), False),  # the team answered
    ("referral-declined", "slcn", date(2026, 4, 20), False),  # back with the council: still-waiting's
    ("withdrawn", "slcn", date(2026, 4, 20), False),
])
def test_a_team_is_unanswered_only_past_the_familys_date_on_a_chased_pathway(
        status: str, pathway: str, today: date, expected: bool) -> None:
    assert is_unanswered(status, pathway, date(2026, 3, 30), today, CHASED) is expected
    assert is_unanswered(status, pathway, None, today, CHASED) is False
