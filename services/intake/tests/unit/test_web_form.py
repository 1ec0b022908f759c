"""Unit tests for the web form's pages, with a fake intake (no database): the journey carries its
answers in the pages, checks each page with the one validation, and sends one Submission."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from frontdoor_shared import govuk
from frontdoor_shared.auth import SESSION_COOKIE, Principal, Tokens
from frontdoor_shared.web import harden
from intake.entrypoints import web
from intake.entrypoints.main import TEMPLATES
from intake.service_layer.schemas import ConcernDetail
from intake.service_layer.submit import Accepted, IdempotencyConflict, Submission

DOB = date.today() - timedelta(days=900)
VISITOR = Principal(subject="health-visitor", kind="staff", role="referrer", organisation="Model NHS Trust",
                    name="Hannah Visitor")


@dataclass
class FakeIntake:
    tokens: Tokens = field(default_factory=Tokens)
    sent: list[Submission] = field(default_factory=list)

    async def submit(self, sub: Submission) -> Accepted:
        earlier = [s for s in self.sent if s.idempotency_key == sub.idempotency_key]
        if earlier and earlier[0].concern != sub.concern:
            raise IdempotencyConflict("changed")
        self.sent.append(sub)
        return Accepted("FD-TEST-0001", None, not earlier)  # type: ignore[arg-type]


@pytest.fixture
def intake() -> FakeIntake:
    return FakeIntake()


@pytest.fixture
def browser(intake: FakeIntake) -> TestClient:
    app = FastAPI()
    app.state.intake = intake
    app.state.templates = govuk.templates(TEMPLATES)
    app.include_router(web.router)
    harden(app, production=False)
    client = TestClient(app, follow_redirects=False)
    client.cookies.set(SESSION_COOKIE, intake.tokens.issue(VISITOR))
    client.get("/concerns/new/child")  # sets the CSRF cookie
    return client


class _Form(HTMLParser):
    """The hidden fields of the page's answers form, as a browser would send them."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("type") == "hidden" and a.get("name"):
            self.fields.append((a["name"] or "", a.get("value") or ""))


def hidden(html: str) -> list[tuple[str, str]]:
    parser = _Form()
    parser.feed(html)
    return parser.fields


PAGES: dict[str, list[tuple[str, str]]] = {
    "child": [("child-given-name", "Amara"), ("child-family-name", "Testchild"),
              ("child-dob-day", str(DOB.day)), ("child-dob-month", str(DOB.month)), ("child-dob-year", str(DOB.year)),
              ("child-nhs-number", "999 000 0018"), ("child-sex", "female"), ("child-postcode", "sw1a 1aa")],
    "family": [("family-carer-given-name", "Grace"), ("family-carer-family-name", "Testparent"),
               ("family-carer-relationship", "mother"), ("family-carer-email", "grace@example.com"),
               ("family-preferred-channel", "email"), ("family-language", "en"),
               ("family-interpreter-needed", "no"), ("family-consent", "health"), ("family-consent", "early-years")],
    "referrer": [("referrer-name", "Hannah Visitor"), ("referrer-role", "health-visitor"),
                 ("referrer-organisation", "Model NHS Trust"), ("referrer-email", "hannah@nhs.example")],
    "concern": [("concern-need-codes", "SLCN"), ("concern-range-ci", "3"), ("concern-wellcomm", "red"),
                ("concern-description", "Uses very few words at 30 months."), ("concern-urgency", "routine"),
                ("concern-safeguarding", "no"), ("concern-parent-informed", "yes")],
}
NEXT = {"child": "family", "family": "referrer", "referrer": "concern", "concern": "check"}


def _post(browser: TestClient, url: str, html: str, own: list[tuple[str, str]], **control: str) -> Any:
    fields = [(k, v) for k, v in hidden(html) if k != "csrf_token"] + own
    fields += [("csrf_token", browser.cookies["fd_csrf"]), *control.items()]
    return browser.post(url, content=_encode(fields), headers={"content-type": "application/x-www-form-urlencoded"})


def _encode(fields: list[tuple[str, str]]) -> bytes:
    from urllib.parse import urlencode

    return urlencode(fields).encode()


def _walk(browser: TestClient, pages: dict[str, list[tuple[str, str]]] = PAGES) -> Any:
    page = browser.get("/concerns/new/child")
    for step, own in pages.items():
        page = _post(browser, f"/concerns/new/{NEXT[step]}", page.text, own, action="continue")
        assert page.status_code == 200, re.findall(r'govuk-error-message">\s*(.*?)</p>', page.text, re.S)
    return page


def _summary(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<a href="#([\w-]+)">([^<]+)</a>', html.split("govuk-error-summary__list")[1].split("</ul>")[0])


def test_signed_out_visitors_are_sent_to_sign_in_and_back() -> None:
    app = FastAPI()
    app.state.intake = FakeIntake()
    app.include_router(web.router)
    r = TestClient(app, follow_redirects=False).get("/concerns/new/child")
    assert r.status_code == 303
    assert r.headers["location"] == "/sign-in?next=/concerns/new/child"


def test_each_page_asks_its_questions_and_carries_the_rest_hidden(browser: TestClient) -> None:
    check = _walk(browser)
    assert "Check your answers before sending" in check.text
    names = {k for k, _ in hidden(check.text)}
    assert {"child-nhs-number", "family-carer-email", "referrer-email", "concern-description", "key"} <= names


def test_sending_builds_the_same_concern_the_api_would_accept(browser: TestClient, intake: FakeIntake) -> None:
    check = _walk(browser)
    sent = _post(browser, "/concerns/new/submit", check.text, [], action="send")
    assert sent.status_code == 303
    assert sent.headers["location"] == "/concerns/FD-TEST-0001/confirmation"
    [sub] = intake.sent
    assert (sub.channel, sub.submitted_by, sub.idempotency_scope) == ("form", "health-visitor", "health-visitor")
    concern = sub.concern
    assert concern.child.nhs_number == "9990000018"
    assert concern.child.postcode == "SW1A 1AA"
    assert concern.child.date_of_birth == DOB
    assert concern.family.consent_to_share_with == ["health", "early-years"]
    assert [(r.area, r.range) for r in concern.concern.ranges] == [("C&I", 3)]
    assert concern.concern.screening[0].tool == "WellComm"
    assert concern.concern.parent_informed is True


def test_sending_twice_from_the_same_page_gives_one_concern(browser: TestClient, intake: FakeIntake) -> None:
    check = _walk(browser)
    first = _post(browser, "/concerns/new/submit", check.text, [], action="send")
    again = _post(browser, "/concerns/new/submit", check.text, [], action="send")
    assert first.headers["location"] == again.headers["location"]
    assert len({s.idempotency_key for s in intake.sent}) == 1


def test_a_page_with_mistakes_lists_each_in_the_summary_linked_to_its_field(browser: TestClient) -> None:
    page = browser.get("/concerns/new/child")
    own = [("child-given-name", ""), ("child-family-name", "Testchild"),
           ("child-dob-day", "31"), ("child-dob-month", "2"), ("child-dob-year", "2024"),
           ("child-nhs-number", "943 476 5918"), ("child-postcode", "not a postcode")]
    r = _post(browser, "/concerns/new/family", page.text, own, action="continue")
    assert r.status_code == 422
    assert "<title>Error: About the child" in r.text
    assert _summary(r.text) == [
        ("child-given-name", "Enter the child&#39;s first name"),
        ("child-dob-day", "Enter a real date, like 27 3 2023"),
        ("child-nhs-number", "The last (check) digit does not match; a digit is mistyped"),
        ("child-postcode", "Enter a full UK postcode: 2 to 4 characters, a space, then a digit and 2 letters")]
    assert 'id="child-nhs-number-error"' in r.text
    assert 'aria-describedby="child-nhs-number-hint child-nhs-number-error"' in r.text


def test_a_date_of_birth_in_the_future_is_refused_on_the_child_page(browser: TestClient) -> None:
    own = _child_with(dob=date.today() + timedelta(days=30))
    r = _post(browser, "/concerns/new/family", browser.get("/concerns/new/child").text, own, action="continue")
    assert _summary(r.text)[0][0] == "child-dob-day"
    assert "in the future" in r.text


def test_text_messages_need_a_phone_number(browser: TestClient) -> None:
    pages = {**PAGES, "family": [(k, "sms" if k == "family-preferred-channel" else v) for k, v in PAGES["family"]]}
    page = _walk(browser, {"child": pages["child"]})
    r = _post(browser, "/concerns/new/referrer", page.text, pages["family"], action="continue")
    assert _summary(r.text) == [("family-carer-phone", "Enter a mobile number for text messages, or choose "
                                 "another way to contact the family")]


def test_a_health_visitor_must_say_whether_the_parent_was_told(browser: TestClient) -> None:
    page = _walk(browser, {k: PAGES[k] for k in ("child", "family", "referrer")})
    own = [(k, v) for k, v in PAGES["concern"] if k != "concern-parent-informed"]
    own.append(("concern-parent-informed", "not-applicable"))
    r = _post(browser, "/concerns/new/check", page.text, own, action="continue")
    assert r.status_code == 422
    assert _summary(r.text)[0][0] == "concern-parent-informed"


def test_a_change_link_returns_to_check_your_answers(browser: TestClient) -> None:
    check = _walk(browser)
    child = _post(browser, "/concerns/new/child", check.text, [], action="change")
    assert "About the child" in child.text
    assert 'action="/concerns/new/check"' in child.text
    assert 'value="Amara"' in child.text


def test_back_keeps_the_answers_without_checking_them(browser: TestClient) -> None:
    family = _walk(browser, {"child": PAGES["child"]})
    child = _post(browser, "/concerns/new/child", family.text, [("family-carer-email", "not-yet")], action="back")
    assert child.status_code == 200
    assert 'value="not-yet"' in child.text


def test_a_post_without_the_form_token_is_refused(browser: TestClient) -> None:
    r = browser.post("/concerns/new/family", data={"child-given-name": "Amara"})
    assert r.status_code == 403


def test_answers_changed_after_sending_with_the_same_key_are_not_sent_again(
        browser: TestClient, intake: FakeIntake) -> None:
    check = _walk(browser)
    _post(browser, "/concerns/new/submit", check.text, [], action="send")
    changed = check.text.replace('value="Uses very few words at 30 months."', 'value="Uses very few words at all."')
    r = _post(browser, "/concerns/new/submit", changed, [], action="send")
    assert r.status_code == 422
    assert _summary(r.text)[0][0] == "send"
    assert len(intake.sent) == 1


def _child_with(**dates: date) -> list[tuple[str, str]]:
    own = [(k, v) for k, v in PAGES["child"] if not k.startswith("child-dob")]
    for name, when in dates.items():
        own += [(f"child-{name}-day", str(when.day)), (f"child-{name}-month", str(when.month)),
                (f"child-{name}-year", str(when.year))]
    return own


def test_a_concern_before_birth_gives_the_expected_date_of_delivery(browser: TestClient, intake: FakeIntake) -> None:
    due = date.today() + timedelta(days=60)
    check = _walk(browser, {**PAGES, "child": _child_with(edd=due)})
    assert "Expected date of delivery" in check.text
    _post(browser, "/concerns/new/submit", check.text, [], action="send")
    assert intake.sent[0].concern.child.expected_delivery_date == due
    assert intake.sent[0].concern.child.date_of_birth is None


def test_a_date_of_birth_and_a_date_of_delivery_together_are_refused(browser: TestClient) -> None:
    own = _child_with(dob=DOB, edd=date.today() + timedelta(days=60))
    r = _post(browser, "/concerns/new/family", browser.get("/concerns/new/child").text, own, action="continue")
    assert _summary(r.text) == [("child-edd-day", "Leave the expected date of delivery blank when you give a "
                                                  "date of birth")]


def test_no_date_at_all_asks_for_the_date_of_birth(browser: TestClient) -> None:
    r = _post(browser, "/concerns/new/family", browser.get("/concerns/new/child").text, _child_with(),
              action="continue")
    assert _summary(r.text)[0][0] == "child-dob-day"


OTHER = [("family-other-given-name", "Sam"), ("family-other-family-name", "Testparent"),
         ("family-other-relationship", "father"), ("family-other-phone", "07700 900456")]


def test_another_parent_or_carer_can_be_given_and_is_sent_with_the_first(browser: TestClient,
                                                                         intake: FakeIntake) -> None:
    check = _walk(browser, {**PAGES, "family": PAGES["family"] + OTHER})
    assert "Other parent or carer" in check.text
    assert "Sam Testparent (father)" in check.text
    _post(browser, "/concerns/new/submit", check.text, [], action="send")
    [sub] = intake.sent
    first, other = sub.concern.family.carers
    assert (first.given_name, first.email) == ("Grace", "grace@example.com")
    assert (other.given_name, other.relationship, other.phone, other.email) == (
        "Sam", "father", "07700 900456", None)


def test_without_another_carer_only_the_first_is_sent(browser: TestClient, intake: FakeIntake) -> None:
    check = _walk(browser)
    assert "Other parent or carer" not in check.text
    _post(browser, "/concerns/new/submit", check.text, [], action="send")
    assert len(intake.sent[0].concern.family.carers) == 1


def test_another_carer_half_given_is_refused_on_the_family_page_by_their_own_field(browser: TestClient) -> None:
    page = _walk(browser, {"child": PAGES["child"]})
    assert '<details class="govuk-details">' in page.text, "closed until something is given for them"
    own = PAGES["family"] + [("family-other-phone", "07700 900456")]  # a number, no name
    r = _post(browser, "/concerns/new/referrer", page.text, own, action="continue")
    assert r.status_code == 422
    fields = [field for field, _ in _summary(r.text)]
    assert fields[:2] == ["family-other-given-name", "family-other-family-name"]
    assert "Enter the other parent or carer&#39;s first name" in r.text
    assert re.search(r'<details class="govuk-details"[^>]*\bopen\b', r.text), "the other carer's fields are shown"


def test_check_your_answers_says_whether_the_other_carer_will_be_written_to(browser: TestClient) -> None:
    named_only = [(k, v) for k, v in OTHER if k != "family-other-phone"]
    check = _walk(browser, {**PAGES, "family": PAGES["family"] + named_only})
    assert "No: give their email address, mobile number or postal address to have them told" in check.text
    check = _walk(browser, {**PAGES, "family": PAGES["family"] + OTHER})
    assert "Yes, as to the first parent or carer" in check.text


def test_the_types_of_need_are_offered_and_checked_back_by_name_not_by_code(browser: TestClient) -> None:
    page = _walk(browser, {k: v for k, v in PAGES.items() if k != "concern"})
    for code, name in (("SLCN", "Speech, language and communication needs"), ("DS", "Down syndrome"),
                       ("OTH", "Other difficulty or disability")):
        assert re.search(rf'value="{code}"[^>]*>\s*<label[^>]*>\s*{re.escape(name)}\s*</label>', page.text), code
    assert 'value="NSA"' not in page.text  # a school census code, not a referrer's answer
    both = PAGES["concern"] + [("concern-need-codes", "ASD")]
    check = _walk(browser, {**PAGES, "concern": both})
    assert "Speech, language and communication needs; Autistic spectrum disorder" in check.text


ABOUT = {"need_codes": ["SLCN", "SEMH"], "ranges": [{"area": "C&I", "range": 3}, {"area": "SEMH", "range": 2}],
         "tried": [{"what": "Language groups at nursery", "weeks": 10}],
         "screening": [{"tool": "WellComm", "outcome": "red", "area": "C&I"},
                       {"tool": "ASQ-3", "outcome": "monitoring"}],
         "description": "Uses very few words at 30 months.", "urgency": "high", "safeguarding": False,
         "parent_informed": True}


def test_the_information_form_shows_what_was_sent_and_reads_back_the_same_concern() -> None:
    answers = web._form_answers(ABOUT)
    assert answers["concern-range-ci"] == ["3"]
    assert answers["concern-asqse"] == ["not-done"]
    assert ConcernDetail.model_validate(web._concern(answers)) == ConcernDetail.model_validate(ABOUT)


def test_the_information_form_keeps_what_it_cannot_show() -> None:
    """Through the API a referrer can send more than one thing tried, and a screening tool the form
    does not list: answering through the form keeps them."""
    before = ABOUT | {"tried": [*ABOUT["tried"], {"what": "Visual timetable", "weeks": 4}],
                      "screening": [*ABOUT["screening"], {"tool": "Schedule of Growing Skills", "outcome": "delay"}]}
    answers = web._form_answers(before) | {"concern-tried-weeks": ["12"]}
    about = web._answered(answers, before)
    assert about["tried"] == [{"what": "Language groups at nursery", "weeks": "12"},
                              {"what": "Visual timetable", "weeks": 4}]
    assert about["screening"][-1] == {"tool": "Schedule of Growing Skills", "outcome": "delay"}


def test_weeks_that_are_not_a_number_are_asked_for_as_a_whole_number(browser: TestClient) -> None:
    page = _walk(browser, {k: v for k, v in PAGES.items() if k != "concern"})
    own = [*PAGES["concern"], ("concern-tried-what", "Language groups"), ("concern-tried-weeks", "ten")]
    r = _post(browser, "/concerns/new/check", page.text, own, action="continue")
    assert r.status_code == 422
    assert _summary(r.text) == [("concern-tried-weeks",
                                 "Enter for how many weeks it has been tried as a whole number, like 8")]


@pytest.mark.parametrize(("detail", "said"), [
    ({"template": "family/concern-submitted", "channel": "email", "delivery": "sent"},
     "That the concern was received, by email"),
    ({"template": "referrer/panel-decision", "channel": "sms", "delivery": "sent"},
     "That the panel has decided, by text message"),
    ({"template": "family/case-listed", "channel": "letter", "delivery": "failed"},
     "That the concern is listed for a panel meeting, by letter (not delivered: the council has been told)"),
    ({"template": "family/a-template-added-later", "channel": "email", "delivery": "sent"}, "By email"),
])
def test_each_message_in_the_history_says_what_it_told_and_how(detail: dict[str, str], said: str) -> None:
    env = govuk.templates(TEMPLATES).env
    macro = env.from_string('{% from "_concern_macros.html" import told_about %}{{ told_about(detail) }}')
    assert macro.render(detail=detail) == said


def test_the_concern_page_says_by_when_the_council_must_decide_on_the_statutory_pathway() -> None:
    from types import SimpleNamespace

    env = govuk.templates(TEMPLATES).env
    concern = SimpleNamespace(reference="FD-TEST-0001", status="routed", linked_concern_ids=[])
    routed = {"status": "routed", "at": "1 December 2026, 9:30am",
              "detail": {"outcome": "routed", "pathway": "statutory", "reasons": [{"text": "Range 5."}],
                         "statutory_decision_due": "2027-01-12"}}
    html = env.get_template("concern_status.html").render(
        title="Concern FD-TEST-0001", concern=concern, submitted="1 December 2026, 9:30am", history=[routed],
        asked_for=[], sent=False, withdrawn=False, withdrawable=False, reasons={}, long_date=web._long_date,
        errors=[], principal=VISITOR)
    assert ("The council must decide whether to carry out an education, health and care needs assessment, and "
            "tell the family, by 12 January 2027.") in html
    routed["detail"].pop("statutory_decision_due")
    assert "must decide whether" not in env.get_template("concern_status.html").render(
        title="t", concern=concern, submitted="", history=[routed], asked_for=[], sent=False, withdrawn=False,
        withdrawable=False, reasons={}, long_date=web._long_date, errors=[], principal=VISITOR)


def test_the_concern_page_says_what_the_team_it_was_routed_to_answered() -> None:
    from types import SimpleNamespace

    from frontdoor_shared.contracts.referral_progressed_v1 import DECLINE_REASONS

    env = govuk.templates(TEMPLATES).env
    concern = SimpleNamespace(reference="FD-TEST-0001", status="referral-declined", linked_concern_ids=[])
    at = "1 December 2026, 9:30am"
    history = [
        {"status": "referral-declined", "at": at, "detail": {"pathway": "slcn", "stage": "declined",
                                                              "reason": "out-of-area"}},
        {"status": "appointment-booked", "at": at, "detail": {"pathway": "slcn", "stage": "appointment-booked",
                                                               "appointment_on": "2027-01-20"}},
        {"status": "referral-accepted", "at": at, "detail": {"pathway": "slcn", "stage": "accepted",
                                                              "contact_by": "2027-01-12"}},
    ]
    html = env.get_template("concern_status.html").render(
        title="Concern FD-TEST-0001", concern=concern, submitted=at, history=history, asked_for=[], sent=False,
        withdrawn=False, withdrawable=False, reasons={}, declined=DECLINE_REASONS, long_date=web._long_date,
        errors=[], principal=VISITOR)
    for said in ("Accepted by the service", "The service will contact the family by 12 January 2027.",
                 "First appointment booked", "The first appointment is on 20 January 2027.",
                 "Declined by the service", "Because the family lives outside the area the team covers."):
        assert said in html, said
