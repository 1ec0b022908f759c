"""Every panel page renders in the GOV.UK Design System from the views the service builds."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import frontdoor_shared.govuk as govuk
from early_years.adapters.intake_evidence import UNREACHABLE, Evidence
from early_years.domain.agencies import AGENCIES, FUNDING_PERIODS, PATHWAYS
from early_years.domain.quorum import Attendee, QuorumRule
from early_years.entrypoints.forms import error_summary
from early_years.entrypoints.main import page_templates
from early_years.service_layer.views import ActionsView, AgendaView, CaseView, Member

NOW = datetime(2026, 3, 5, 9, tzinfo=UTC)
TODAY = NOW.date()
MEETING = SimpleNamespace(id=uuid.uuid4(), date=TODAY)
CASE = SimpleNamespace(
    id=uuid.uuid4(), concern_id=uuid.uuid4(), reference="FD-ABCD-EFGH", age_in_months=30, priority="high",
    recommended_pathway="slcn", need_codes=["SLCN"], ranges=[{"area": "C&I", "range": 3}], status="listed",
    reasons=[{"rule": "slcn-range-3", "text": "Communication and interaction at range 3."}],
    missing=["A WellComm screening"], policy_version="default-2026.1", listed_at=NOW, triaged_at=NOW,
    panel_id="demo-early-years-panel")
INQUORATE = QuorumRule().check([Attendee("panel-health", "health")])
MEMBERS = [Member("panel-chair", "Priya Chair", "panel-chair", "send", False),
           Member("panel-health", "Dr Owen Health", "panel-member", "health", True)]
ACTION = SimpleNamespace(id=uuid.uuid4(), case_id=CASE.id, reference=CASE.reference, agency="health",
                         task="visit-setting", owner_role="Health visitor", due=date(2026, 3, 1), completed_at=None,
                         overdue_raised_at=NOW)


def render(name: str, **values: Any) -> str:
    base = {"title": "A page", "service_name": "Early years inclusion panel", "csrf_token": "csrf", "csp_nonce": "n",
            "principal": SimpleNamespace(name="Priya Chair", subject="panel-chair", role="panel-chair"),
            "errors": [], "field_errors": {}, "done": None}
    return page_templates().env.get_template(name).render(**(base | values))  # type: ignore[no-any-return]


def agenda(is_chair: bool) -> str:
    view = AgendaView(meeting=MEETING, items=[CASE], deferred=[], waiting=[], members=MEMBERS, quorum=INQUORATE)
    return render("agenda.html", view=view, today=TODAY, panel_name="Early years inclusion panel",
                  agencies=AGENCIES, chosen=None, is_chair=is_chair)


def test_the_chairs_agenda_lists_cases_with_their_controls_and_the_attendance_form() -> None:
    page = agenda(is_chair=True)
    assert "Agenda for 5 March 2026 (today)" in page
    assert f'href="/panel/cases/{CASE.id}"' in page
    assert "The panel is not quorate" in page
    assert 'action="/panel/attendance"' in page
    assert f'action="/panel/cases/{CASE.id}/defer"' in page
    assert 'name="agency-panel-chair"' in page


def test_a_members_agenda_has_no_chairs_controls() -> None:
    page = agenda(is_chair=False)
    assert "/defer" not in page
    assert 'action="/panel/attendance"' not in page
    assert "Dr Owen Health" in page


EVIDENCE = Evidence({
    "reference": "FD-CCCC-DDDD", "submitted_on": date(2026, 3, 9), "urgency": "routine", "parent_informed": True,
    "referrer": {"name": "Hannah Visitor", "role": "health-visitor", "organisation": "Model NHS Trust",
                 "email": "hannah@nhs.example"},
    "description": "Says few words <and> points instead.", "need_codes": ["SLCN"], "ranges": [],
    "tried": [{"what": "Language groups", "weeks": 12}, {"what": "Speech therapy drop-in", "weeks": 1}],
    "screening": [{"tool": "WellComm", "outcome": "red", "area": "C&I"}],
    "same_child": [{"reference": "FD-AAAA-BBBB", "status": "listed-for-panel", "submitted_on": date(2026, 3, 2)}],
})


def test_the_case_names_the_needs_raised_rather_than_their_codes() -> None:
    view = CaseView(case=CASE, meeting=MEETING, quorum=INQUORATE, decisions=[], standing_id=None, actions=[])
    page = render("case.html", view=view, is_chair=False, evidence=EVIDENCE)
    assert re.search(r"Needs raised\s*</dt>\s*<dd[^>]*>\s*Speech, language and communication needs\s*</dd>", page)


def test_the_case_shows_the_evidence_the_recommendation_and_why() -> None:
    view = CaseView(case=CASE, meeting=MEETING, quorum=INQUORATE, decisions=[], standing_id=None,
                    actions=[ACTION], history=[(NOW, "Listed for the panel")])
    page = render("case.html", view=view, is_chair=True, evidence=EVIDENCE)
    for text in ("30 months", "C&amp;I: range 3", "Communication and interaction at range 3.", "slcn-range-3",
                 "A WellComm screening", "Record the panel&#39;s decision", "Speech, language and communication",
                 "Hannah Visitor, health visitor, Model NHS Trust", "Says few words &lt;and&gt; points instead.",
                 "Language groups, for 12 weeks", "Speech therapy drop-in, for 1 week", "WellComm: red (C&amp;I)",
                 "FD-AAAA-BBBB: listed for panel, submitted 2 March 2026", "intake records that you read it"):
        assert text in page, text


def test_the_case_says_why_the_referrers_evidence_is_missing() -> None:
    view = CaseView(case=CASE, meeting=MEETING, quorum=INQUORATE, decisions=[], standing_id=None, actions=[])
    page = render("case.html", view=view, is_chair=False, evidence=Evidence(None, UNREACHABLE))
    assert "Intake could not be reached, so the referrer&#39;s evidence is not shown." in page
    assert "Support already tried" not in page


def test_a_recorded_decision_shows_its_reasons_in_the_councils_words_and_the_chairs_note() -> None:
    decision = SimpleNamespace(
        id=uuid.uuid4(), corrects_decision_id=None, decided_at=NOW, outcome="overridden", pathway="outreach",
        reason_codes=["specialist-advice", "family-views"], note="fd1.ciphertext", funding_band=None,
        next_review=date(2026, 6, 1), agencies_present=["health"], meeting_date=TODAY)
    view = CaseView(case=CASE, meeting=MEETING, quorum=INQUORATE, decisions=[decision], standing_id=decision.id,
                    actions=[], notes={decision.id: "Ava's nursery <tried> small groups."})
    page = render("case.html", view=view, is_chair=True)
    assert "Specialist advice or assessment is needed" in page
    assert "The family&#39;s views and wishes shaped the decision." in page
    assert "Ava&#39;s nursery &lt;tried&gt; small groups." in page
    assert "fd1.ciphertext" not in page


def test_the_decision_form_shows_every_problem_linked_to_its_field() -> None:
    errors = {"quorum": INQUORATE.explanation(),
              "reasons": "Select at least one reason the panel overrode the recommendation"}
    view = CaseView(case=CASE, meeting=MEETING, quorum=INQUORATE, decisions=[], standing_id=None, actions=[])
    page = render("decision.html", view=view, values={"outcome": "overridden"}, field_errors=errors,
                  errors=error_summary(errors), pathways=PATHWAYS, agencies=AGENCIES, bands=("FFI-1",),
                  periods=FUNDING_PERIODS, rows=range(1, 4), correcting=False, title="Record the panel's decision",
                  example_date="22 2 2027")
    assert "There is a problem" in page
    assert "When the panel looks at this child&#39;s support again. For example, 22 2 2027" in page
    assert page.count("For example, 22 2 2027") == 4  # the next review and each action's due date
    assert 'href="/panel#attendance"' in page
    assert 'id="reasons-error"' in page
    assert 'name="reasons" type="checkbox" value="family-views"' in page
    assert 'name="note"' in page
    assert 'name="next_review-day"' in page
    assert 'name="action-3-due-year"' in page
    assert 'value="overridden" checked' in page


def test_the_actions_page_lists_overdue_actions_with_a_way_to_complete_them() -> None:
    page = render("actions.html", view=ActionsView(overdue=[ACTION], open=[], completed=[]), agencies=AGENCIES,
                  today=TODAY)
    assert f'action="/panel/actions/{ACTION.id}/complete"' in page
    assert "1 March 2026" in page
    assert "Visit the setting and advise its staff" in page


def test_an_action_set_before_tasks_were_recorded_says_so_rather_than_nothing() -> None:
    older = SimpleNamespace(**{**vars(ACTION), "task": None})
    page = render("actions.html", view=ActionsView(overdue=[], open=[older], completed=[]), agencies=AGENCIES,
                  today=TODAY)
    assert "Not recorded" in page


def test_each_action_row_of_the_decision_form_asks_what_is_to_be_done_from_the_councils_tasks() -> None:
    view = CaseView(case=CASE, meeting=MEETING, quorum=INQUORATE, decisions=[], standing_id=None, actions=[])
    errors = {"action-2-task": "Select what is to be done in action 2"}
    page = render("decision.html", view=view, values={"action-2-task": "train-staff"}, field_errors=errors,
                  errors=error_summary(errors), pathways=PATHWAYS, agencies=AGENCIES, bands=("FFI-1",),
                  periods=FUNDING_PERIODS, rows=range(1, 4), correcting=False, title="Record the panel's decision",
                  example_date="22 2 2027")
    for row in (1, 2, 3):
        assert f'name="action-{row}-task"' in page
    assert '<option value="train-staff" selected>Train the setting&#39;s staff</option>' in page
    assert page.count('<option value="assess">Assess the child&#39;s needs</option>') == 3  # in every row
    assert 'id="action-2-task-error"' in page
    assert 'href="#action-2-task"' in page


@pytest.mark.parametrize("name", ["agenda.html", "case.html", "decision.html", "actions.html", "error.html",
                                  "signed_out.html"])
def test_every_page_has_one_main_heading(name: str) -> None:
    source = page_templates().env.loader.get_source(page_templates().env, name)[0]  # type: ignore[union-attr]
    assert source.count('<h1 class="govuk-heading-l">') == 1



def _active_item(page: str) -> str:
    found = re.search(r'govuk-service-navigation__item--active">\s*<a class="govuk-service-navigation__link" '
                      r'href="([^"]+)"', page)
    assert found is not None, "no active item in the panel's navigation"
    return found.group(1)


def test_the_panels_navigation_marks_where_the_member_is_and_sign_out_sits_beside_their_name() -> None:
    on_agenda = agenda(is_chair=True)
    assert 'aria-label="Panel pages"' in on_agenda
    assert _active_item(on_agenda) == "/panel"
    on_actions = render("actions.html", view=ActionsView(overdue=[ACTION], open=[], completed=[]), agencies=AGENCIES,
                        request=SimpleNamespace(url=SimpleNamespace(path="/panel/actions")))
    assert _active_item(on_actions) == "/panel/actions"
    # a form inside a <p> closes it: "Sign out" fell onto a line of its own, in the browser's serif
    assert re.search(r'<div class="govuk-body-s">Signed in as Priya Chair \(panel-chair\) ·\s*<form', on_agenda)


def test_a_reference_and_the_chairs_controls_never_break_across_lines() -> None:
    """FD-ABCD-EFGH read out over the phone: a table must not wrap it at its hyphen, nor a
    'Move down' between its words (both did in a narrow column)."""
    page = agenda(is_chair=True)
    assert re.search(r'<th scope="row" class="govuk-table__header frontdoor-nowrap"><a [^>]*>FD-ABCD-EFGH</a>', page)
    assert 'class="govuk-link frontdoor-link-button"' in page
    actions = render("actions.html", view=ActionsView(overdue=[ACTION], open=[], completed=[]), agencies=AGENCIES,
                     today=TODAY, is_chair=True)
    assert 'frontdoor-nowrap"><a class="govuk-link" href="/panel/cases/' in actions
    css = (Path(govuk.__file__).parent / "static" / "frontdoor.css").read_text()
    assert re.search(r"\.frontdoor-nowrap \{ white-space: nowrap; \}", css)
    assert re.search(r"\.frontdoor-link-button \{[^}]*white-space: nowrap;[^}]*\}", css)
    assert re.search(r"\.frontdoor-link-button \{[^}]*text-align: left;[^}]*\}", css)
