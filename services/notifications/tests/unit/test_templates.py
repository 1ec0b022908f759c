"""Every template renders for every event it is planned for, in plain English with the sections
families need; nothing is left unrendered."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from frontdoor_shared.sealed import SealError, generate_keypair, seal
from notifications.adapters.templates import TemplateRenderer
from notifications.bootstrap import Notifications
from notifications.config import NotificationsSettings
from notifications.service_layer import outcomes, recording
from notifications.service_layer.events import planned_for
from notifications.service_layer.notify import values_for
from notifications.testing import NOW, PANEL_NOTE, envelope, events, people

FAMILY_SECTIONS = ("What has happened", "What happens next", "Who to contact")
DECISIONS = ("family/panel-decision", "family/concern-triaged-routed")
renderer = TemplateRenderer()


@pytest.fixture(scope="module")
def ctx():  # type: ignore[no-untyped-def]
    return Notifications(NotificationsSettings(), clock=lambda: NOW).context


def _values(ctx, name: str, who=None):  # type: ignore[no-untyped-def]
    for data in events(uuid.uuid4(), "FD-7K3M-9QXP").values():
        for planned in planned_for(data):
            if planned.template == name:
                values = values_for(envelope(data), data, who or people(), ctx)
                values["status_url"] = "http://127.0.0.1:8003/status/abc"
                values["link_expires"] = NOW
                return values
    raise AssertionError(f"{name} is planned for no event")


def _rendered(ctx, name: str, who=None):  # type: ignore[no-untyped-def]
    return renderer.render(name, **_values(ctx, name, who))


NOT_ABOUT_AN_EVENT = ("family/still-waiting", "referrer/still-waiting", "staff/delivery-failed",
                      "staff/details-missing", "family/team-not-heard", "staff/referral-unanswered")
EVENT_TEMPLATES = [n for n in renderer.names() if n not in NOT_ABOUT_AN_EVENT]


@pytest.mark.parametrize("name", EVENT_TEMPLATES)
def test_each_event_template_renders_for_its_event_with_its_sections(ctx, name: str) -> None:  # type: ignore[no-untyped-def]
    subject, body = _rendered(ctx, name)
    assert "FD-7K3M-9QXP" in subject + body
    assert "{{" not in body
    assert "{%" not in body
    assert "None" not in body
    sections = FAMILY_SECTIONS if name.startswith("family/") else ("What has happened", "Who to contact")
    for section in sections:
        assert f"\n{section}\n" in f"\n{body}", f"{name} lacks '{section}'"


@pytest.mark.parametrize("name", DECISIONS)
def test_a_decision_tells_the_family_their_rights(ctx, name: str) -> None:  # type: ignore[no-untyped-def]
    _, body = _rendered(ctx, name)
    assert "\nYour rights\n" in body
    assert "SENDIASS" in body
    assert "education, health and care needs assessment" in body


def test_the_family_hears_by_name_and_the_referrer_what_is_missing(ctx) -> None:  # type: ignore[no-untyped-def]
    _, family = _rendered(ctx, "family/concern-triaged-more-information-needed")
    _, referrer = _rendered(ctx, "referrer/concern-triaged-more-information-needed")
    assert family.startswith("Dear Grace Testparent,")
    assert referrer.startswith("Dear Hannah Visitor,")
    assert "- a WellComm screening result\n- how long support has been tried\n" in referrer


def test_the_first_family_message_carries_the_private_link_and_the_date_we_promise(ctx) -> None:  # type: ignore[no-untyped-def]
    _, body = _rendered(ctx, "family/concern-submitted")
    assert "http://127.0.0.1:8003/status/abc" in body
    assert "By 9 March 2026 we will write to you" in body  # five working days after Monday 2 March


def test_a_family_needing_an_interpreter_is_told_how_to_ask(ctx) -> None:  # type: ignore[no-untyped-def]
    _, body = _rendered(ctx, "family/case-listed", people(interpreter=True, language="pl"))
    assert "interpreter" in body
    _, plain = _rendered(ctx, "family/case-listed")
    assert "interpreter" not in plain


def test_the_decision_names_the_funding_in_pounds(ctx) -> None:  # type: ignore[no-untyped-def]
    _, body = _rendered(ctx, "family/panel-decision")
    assert "£1,250 per term" in body
    assert "18 March" not in body
    assert "1 September 2026" in body


@pytest.mark.parametrize("name", ["family/panel-decision", "referrer/panel-decision"])
def test_the_decision_letter_says_who_the_panel_asked_to_do_what_by_when(ctx, name: str) -> None:  # type: ignore[no-untyped-def]
    _, body = _rendered(ctx, name)
    assert ("The panel also asked:\n"
            "- Speech and language therapy to assess the child's needs by 1 April 2026\n"
            "- Early years to train the setting's staff by 6 May 2026\n") in body
    assert body.index("What happens next") < body.index("The panel also asked")


@pytest.mark.parametrize("name", ["family/panel-decision", "referrer/panel-decision"])
def test_a_decision_from_before_actions_travelled_with_it_still_reads(ctx, name: str) -> None:  # type: ignore[no-untyped-def]
    decided = events(uuid.uuid4(), "FD-7K3M-9QXP")["decided"].model_copy(update={"actions": []})
    values = values_for(envelope(decided), decided, people(), ctx)
    values |= {"status_url": "http://127.0.0.1:8003/status/abc", "link_expires": NOW}
    _, body = renderer.render(name, **values)
    assert "The panel also asked" not in body
    assert "What happens next" in body


@pytest.mark.parametrize("name", ["family/panel-decision", "referrer/panel-decision"])
def test_the_chairs_sealed_note_is_opened_for_the_family_and_the_referrer(ctx, name: str) -> None:  # type: ignore[no-untyped-def]
    _, body = _rendered(ctx, name)
    assert "The panel's note" in body
    assert PANEL_NOTE in body


def test_a_note_sealed_for_another_service_cannot_be_opened(ctx) -> None:  # type: ignore[no-untyped-def]
    decided = events(uuid.uuid4(), "FD-7K3M-9QXP")["decided"]
    stranger = decided.model_copy(update={"note_sealed": seal(generate_keypair()[1], b"not for notifications")})
    with pytest.raises(SealError):
        values_for(envelope(stranger), stranger, people(), ctx)


@pytest.mark.parametrize("name", ["family/still-waiting", "referrer/still-waiting"])
def test_still_waiting_says_where_it_is_and_what_happens_next(ctx, name: str) -> None:  # type: ignore[no-untyped-def]
    values = {**recording.defaults(ctx, "FD-7K3M-9QXP"), **recording.people_values(people()),
              "current_line": "We received a concern asking for extra help.",
              "next_step": "We will look at it and write to you.", "expected_by": NOW.date(), "overdue": True,
              "waiting_since": NOW}
    _subject, body = renderer.render(name, **values)
    assert "We received a concern asking for extra help." in body
    assert "taking longer" in body
    for section in ("What has happened", "What happens next", "Who to contact"):
        assert f"\n{section}\n" in f"\n{body}"


def test_the_referrer_asked_for_more_is_sent_to_the_concerns_page_to_add_it(ctx) -> None:  # type: ignore[no-untyped-def]
    _, body = _rendered(ctx, "referrer/concern-triaged-more-information-needed")
    assert "sign in at http://127.0.0.1:8000/concerns/FD-7K3M-9QXP and choose \"Add the information\"" in body
    assert "quoting the reference" not in body  # no longer "send it" with no way to send it


def test_a_referrer_still_owing_the_information_is_reminded_where_to_add_it(ctx) -> None:  # type: ignore[no-untyped-def]
    values = {**recording.defaults(ctx, "FD-7K3M-9QXP"), **recording.people_values(people()),
              "current_line": "We asked the professional who raised the concern for more information.",
              "next_step": "When we have it, we will decide what to do and write to you.", "expected_by": None,
              "waiting_since": NOW, "waiting_for_referrer": True}
    _, body = renderer.render("referrer/still-waiting", **values)
    assert "We are still waiting for the information we asked you for." in body
    assert "http://127.0.0.1:8000/concerns/FD-7K3M-9QXP" in body
    assert "When we have it, we will decide what to do and write to you." not in body  # the family's words
    _, family = renderer.render("family/still-waiting", **values)
    assert "concerns/FD-7K3M-9QXP" not in family  # the family's letter never links to staff pages


def _unanswered_values(ctx):  # type: ignore[no-untyped-def]
    from notifications.service_layer.unanswered import _values

    row = type("Row", (), {"reference": "FD-7K3M-9QXP", "pathway": "outreach", "expected_by": date(2026, 3, 30),
                           "at": NOW})()
    return _values(ctx, row, people())


def test_a_team_that_let_its_date_pass_is_chased_by_staff_not_by_the_family(ctx) -> None:  # type: ignore[no-untyped-def]
    subject, staff = renderer.render("staff/referral-unanswered", **_unanswered_values(ctx))
    assert subject == "No answer from the specialist outreach team: concern FD-7K3M-9QXP"
    assert "On 2 March 2026 we asked the specialist outreach team" in staff
    assert "contact them by 30 March 2026" in staff
    assert "http://127.0.0.1:8000/concerns/FD-7K3M-9QXP/team-answer" in staff
    assert "\nWhat you need to do\n" in staff
    for identifier in ("Amara", "Grace", "Testparent", "Hannah"):
        assert identifier not in subject + staff
    subject, family = renderer.render("family/team-not-heard", **_unanswered_values(ctx))
    assert "Amara" in subject
    assert "said they would contact you by 30 March 2026" in family
    assert "We have asked our staff to contact the team" in family
    assert "You do not need to do anything." in family
    assert "concerns/FD-7K3M-9QXP" not in family  # the family's letter never links to staff pages
    for section in FAMILY_SECTIONS:
        assert f"\n{section}\n" in f"\n{family}"


def test_the_chase_by_text_fits_and_keeps_who_to_contact(ctx) -> None:  # type: ignore[no-untyped-def]
    from notifications.domain.routes import SMS_LIMIT, sms_text

    text = sms_text(*renderer.render("family/team-not-heard", **_unanswered_values(ctx)))
    assert len(text) <= SMS_LIMIT
    assert "\nWho to contact\n" in text
    assert "We have asked our staff to contact the team" in text


@pytest.mark.parametrize("fallback", [None, "letter"])
def test_staff_hear_of_a_failed_message_without_any_contact_detail(ctx, fallback) -> None:  # type: ignore[no-untyped-def]
    failed = {"kind_name": "text message", "template": "family/case-listed", "reason": "GOV.UK Notify answered 400",
              "audience_name": outcomes.AUDIENCE_NAMES["family"], "fallback": fallback,
              "fallback_name": outcomes.KIND_NAMES.get(fallback or "")}
    subject, body = renderer.render("staff/delivery-failed", **{**recording.defaults(ctx, "FD-7K3M-9QXP"),
                                                                "failed": failed})
    assert "FD-7K3M-9QXP" in subject
    assert ("sending it again by letter" in body) == (fallback == "letter")
    assert "07700" not in body
    assert "Grace" not in body


def test_staff_hear_when_a_familys_contact_details_never_arrived(ctx) -> None:  # type: ignore[no-untyped-def]
    subject, body = renderer.render("staff/details-missing", **{**recording.defaults(ctx, "FD-7K3M-9QXP"),
                                                                "held_since": NOW})
    assert "FD-7K3M-9QXP" in subject
    assert "since 2 March 2026" in body
    assert "\nWhat you need to do\n" in body


@pytest.mark.parametrize("name", EVENT_TEMPLATES)
def test_a_template_loaded_once_renders_as_jinja_itself_does_each_time(ctx, name: str) -> None:  # type: ignore[no-untyped-def]
    # the renderer keeps each template (with its globals as a plain dict): twice, and for two
    # different carers, it must say exactly what a freshly loaded template says
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from notifications.adapters import templates

    fresh = Environment(loader=FileSystemLoader(templates.TEMPLATES), undefined=StrictUndefined,
                        autoescape=False, keep_trailing_newline=True, trim_blocks=True)
    fresh.filters.update(long_date=templates._long_date, pounds=templates._pounds)
    own = TemplateRenderer()
    for carer in ("Alex", "Sam"):
        who = people()
        who["family"]["carers"][0]["name"] = carer
        subject, body = _rendered(ctx, name, who)
        values = _values(ctx, name, who)
        first, _, rest = fresh.get_template(f"{name}.txt").render(**values).partition("\n")
        assert (subject, body) == (first.removeprefix("Subject: ").strip(), rest.strip() + "\n")
        assert own.render(name, **values) == own.render(name, **values) == (subject, body)



def test_staff_hear_which_agency_has_an_overdue_action_and_what_it_was_in_the_councils_words(ctx) -> None:  # type: ignore[no-untyped-def]
    _, body = _rendered(ctx, "staff/action-overdue")
    assert ("An action the early years inclusion panel gave Speech and language therapy, to assess the child's "
            "needs, was due on 1 April 2026 and has not been completed.") in body
    assert "Contact Speech and language therapy, agree a new date" in body
    assert "speech-and-language" not in body


def test_an_overdue_action_from_before_the_agencys_name_travelled_still_reads(ctx) -> None:  # type: ignore[no-untyped-def]
    values = {**_values(ctx, "staff/action-overdue"), "agency_name": None, "task_text": None}
    _, body = renderer.render("staff/action-overdue", **values)
    assert "gave the speech-and-language team was due on 1 April 2026" in body
    assert "Contact the speech-and-language team, agree a new date" in body


def test_the_family_hears_the_concern_was_withdrawn_why_and_what_they_can_still_do(ctx) -> None:  # type: ignore[no-untyped-def]
    subject, body = _rendered(ctx, "family/concern-withdrawn")
    assert subject == "The concern about Amara has been withdrawn (reference FD-7K3M-9QXP)"
    assert "has withdrawn the concern about Amara, because the family has moved out of the council's area." in body
    assert "we will not write to you about it again" in body
    assert "You can ask us for an education, health and care needs assessment for Amara at any time." in body


def _statutory(name: str) -> tuple[str, Any]:
    kind = "decided" if name.endswith("panel-decision") else "triaged-routed"
    data = events(uuid.uuid4(), "FD-7K3M-9QXP")[kind].model_copy(update={
        "pathway": "statutory", "received_on": date(2026, 3, 2), "statutory_decision_due": date(2026, 4, 13)})
    return name, data


@pytest.mark.parametrize("name", ["family/concern-triaged-routed", "family/panel-decision"])
def test_on_the_statutory_pathway_the_family_hears_the_legal_time_limit_and_its_date(ctx, name: str) -> None:  # type: ignore[no-untyped-def]
    _, data = _statutory(name)
    values = values_for(envelope(data), data, people(), ctx) | {"status_url": "http://s/abc", "link_expires": NOW}
    _, body = renderer.render(name, **values)
    assert ("We must decide whether to carry out an education, health and care needs assessment for Amara, and "
            "write to tell you, by 13 April 2026. The law gives us 6 weeks from the day we received the concern "
            "(2 March 2026) to do this.") in body
    assert "will contact you" not in body  # not the pathway team's softer promise
    assert "how to appeal" in body


@pytest.mark.parametrize("name", ["referrer/concern-triaged-routed", "referrer/panel-decision"])
def test_on_the_statutory_pathway_the_referrer_hears_the_date_too(ctx, name: str) -> None:  # type: ignore[no-untyped-def]
    _, data = _statutory(name)
    _, body = renderer.render(name, **values_for(envelope(data), data, people(), ctx))
    assert "and tell the family, by 13 April 2026 (6 weeks from 2 March 2026, the day we received the concern)" in body


@pytest.mark.parametrize("name", ["family/concern-triaged-routed", "referrer/concern-triaged-routed"])
def test_on_other_pathways_no_statutory_date_is_mentioned(ctx, name: str) -> None:  # type: ignore[no-untyped-def]
    _, body = _rendered(ctx, name)
    assert "We must decide whether" not in body


@pytest.mark.parametrize("name", [n for n in EVENT_TEMPLATES if n.startswith("family/")])
def test_every_family_message_by_text_fits_and_keeps_who_to_contact_and_any_rights(ctx, name: str) -> None:  # type: ignore[no-untyped-def]
    from notifications.domain.routes import SMS_LIMIT, sms_text

    subject, body = _rendered(ctx, name)
    text = sms_text(subject, body)
    assert len(text) <= SMS_LIMIT
    assert "\nWho to contact\n" in text
    assert "FD-7K3M-9QXP" in text
    if "\nYour rights\n" in body:
        assert "If you disagree with this decision, contact us" in text
        assert "SENDIASS" in text


def test_staff_told_of_a_decline_know_a_panel_referral_goes_back_to_the_panel(ctx) -> None:  # type: ignore[no-untyped-def]
    _, body = _rendered(ctx, "staff/referral-declined")
    assert "it is back on the panel's next agenda and the panel will decide again" in body
    assert "Otherwise, look again at what help is right for the child, and write to the family by" in body
