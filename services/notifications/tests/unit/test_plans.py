"""Who hears of what: the family of every change of status, the referrer of what they must act on
or know, staff of what needs a human; and each message's key is unique to event, person, template."""

from __future__ import annotations

import uuid

import pytest

from notifications.adapters.templates import TemplateRenderer
from notifications.domain import messages as m
from notifications.service_layer.events import planned_for
from notifications.testing import events, new_concern


def _plans() -> dict[str, list[m.Planned]]:
    return {name: planned_for(data) for name, data in events(*new_concern()).items()}


def test_every_planned_template_exists_as_a_file() -> None:
    files = set(TemplateRenderer().names())
    planned = {p.template for plans in _plans().values() for p in plans}
    planned |= {p.template for p in m.still_waiting_plan()}
    planned |= {p.template for p in m.unanswered_plan()}
    planned |= {m.delivery_failed_plan().template, m.details_missing_plan().template}
    assert planned <= files
    assert files <= planned, f"templates no event uses: {files - planned}"


@pytest.mark.parametrize("name", ["submitted", "triaged-routed", "triaged-panel", "triaged-more-information-needed",
                                  "listed", "decided"])
def test_the_family_hears_of_every_change_of_status_once(name: str) -> None:
    family = [p for p in _plans()[name] if p.audience == m.FAMILY]
    assert len(family) == 1


def test_a_safeguarding_triage_sends_nothing_automatic_to_the_family_or_the_referrer() -> None:
    assert _plans()["triaged-safeguarding"] == []


def test_a_safeguarding_escalation_goes_to_the_safeguarding_team_and_never_the_family() -> None:
    plans = _plans()["escalated"]
    assert [(p.audience, p.recipient, p.template) for p in plans] == [
        ("panel", "safeguarding-team", "staff/safeguarding-escalated")]
    assert not plans[0].needs_contact_details


def test_the_referrer_hears_of_receipt_triage_they_act_on_the_decision_and_the_teams_answer() -> None:
    referrer = {name for name, plans in _plans().items() if any(p.audience == m.REFERRER for p in plans)}
    assert referrer == {"submitted", "triaged-routed", "triaged-panel", "triaged-more-information-needed", "decided",
                        "referral-accepted", "referral-declined"}


def test_the_family_hears_each_answer_of_the_team_and_a_decline_goes_back_to_staff() -> None:
    plans = _plans()
    for name in ("referral-accepted", "appointment-booked", "referral-declined"):
        assert [p.template for p in plans[name] if p.audience == m.FAMILY] == [f"family/{name}"]
    assert [p.template for p in plans["appointment-booked"]] == ["family/appointment-booked"]  # the family's alone
    assert [(p.audience, p.template) for p in plans["referral-declined"] if p.audience == m.STAFF] == [
        ("panel", "staff/referral-declined")]


def test_a_silent_team_is_chased_by_staff_and_the_family_hears_the_council_is_on_it() -> None:
    staff, family = m.unanswered_plan()
    assert (staff.audience, staff.recipient, family.audience, family.recipient) == (
        m.STAFF, "staff", m.FAMILY, "carer-0")
    assert not staff.needs_contact_details


def test_actions_tell_no_family_and_an_overdue_action_tells_staff() -> None:
    plans = _plans()
    assert plans["action-assigned"] == []
    assert [p.template for p in plans["action-overdue"]] == ["staff/action-overdue"]


def test_a_dedupe_key_is_the_same_for_a_replay_and_different_for_anything_else() -> None:
    event_id = str(uuid.uuid4())
    key = m.dedupe_key(event_id, "family", "carer-0", "family/case-listed")
    assert key == m.dedupe_key(event_id, "family", "carer-0", "family/case-listed")
    others = {m.dedupe_key(str(uuid.uuid4()), "family", "carer-0", "family/case-listed"),
              m.dedupe_key(event_id, "referrer", "referrer", "family/case-listed"),
              m.dedupe_key(event_id, "family", "carer-0", "family/concern-submitted"),
              m.fallback_key(key, "sms"), m.fallback_key(key, "letter")}
    assert key not in others
    assert len(others) == 5


def test_each_family_message_goes_to_every_carer_this_service_can_reach() -> None:
    from types import SimpleNamespace

    from notifications.service_layer import recording
    from notifications.testing import people

    who = people()
    who["family"]["carers"] += [
        {"given_name": "Sam", "family_name": "Testparent", "relationship": "father", "email": None,
         "phone": "07700 900456", "address": None},
        {"given_name": "Jo", "family_name": "Testcarer", "relationship": "carer", "email": None, "phone": None,
         "address": None},  # no way to reach them: not messaged
    ]
    plans = [m.Planned(m.FAMILY, "family/concern-submitted", "carer-0"),
             m.Planned(m.REFERRER, "referrer/concern-submitted", "referrer")]
    ctx = SimpleNamespace(kinds=frozenset({"email", "sms", "letter"}))
    told = recording.every_carer(plans, who, ctx)  # type: ignore[arg-type]
    assert [p.recipient for p in told] == ["carer-0", "carer-1", "referrer"]
    assert recording.address_for(told[1], who, ctx) == ("sms", "07700 900456")  # type: ignore[arg-type]
    assert recording.every_carer(plans, who, SimpleNamespace(kinds=frozenset({"email"}))) == plans  # type: ignore[arg-type]
    assert recording.every_carer(plans, None, ctx) == plans  # type: ignore[arg-type]
    key = m.dedupe_key("event-1", m.FAMILY, "carer-1", "family/concern-submitted")
    assert recording.carer_of_message(key) == 1
    assert recording.carer_of_message(m.fallback_key(key, "letter")) == 1
    assert recording.carer_of_message(m.dedupe_key("event-1", m.FAMILY, "carer-0", "family/x")) == 0
