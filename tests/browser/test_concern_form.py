"""The web form in Chromium: a health visitor signs in, meets the error summary, walks every
page of "submit a concern", sends it and sees the reference; every service's footer leads to the council's
privacy notice and accessibility statement; axe-core finds no WCAG 2.2 A/AA
failure on the pages.

Needs Python Playwright (no browser download: Debian's /usr/bin/chromium is driven directly) and,
for the accessibility check, axe-core's `axe.min.js` (AXE_CORE_JS, or node_modules/axe-core).
Skipped cleanly when either the package or the browser is missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from tests.browser.browser import ARGS, CHROMIUM, axe_violations, sync_api
from tests.support import wait_for

DOB = date.today() - timedelta(days=900)


@pytest.fixture(scope="module")
def chromium(platform) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    # After the platform (tests/browser/conftest.py): Playwright's sync API keeps an event loop
    # running in this thread, and the platform's set-up calls asyncio.run.
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, platform) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    # bypass_csp only so the axe-core script can be injected; the app's own pages need no exception.
    context = chromium.new_context(base_url=f"http://127.0.0.1:{platform.ports['intake']}", bypass_csp=True)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def _sign_in(page: Any, platform: Any, role: str = "health-visitor") -> None:
    user = platform.seed_demo()["users"][role]
    page.goto("/concerns")
    assert "/sign-in" in page.url
    page.fill("#email", user["email"])
    page.fill("#password", user["password"])
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/concerns")


def _continue(page: Any) -> None:
    page.click("#continue")
    page.wait_for_load_state()


def test_a_page_with_mistakes_shows_the_error_summary_with_links_to_each_field(page, platform) -> None:  # type: ignore[no-untyped-def]
    _sign_in(page, platform)
    page.goto("/concerns/new/child")
    page.fill("#child-nhs-number", "943 476 5918")
    _continue(page)
    assert page.title().startswith("Error: About the child")
    summary = page.locator(".govuk-error-summary")
    assert summary.evaluate("el => el === document.activeElement || el.contains(document.activeElement)")
    links = summary.locator("a").evaluate_all("els => els.map(a => [a.getAttribute('href'), a.textContent.trim()])")
    assert [href for href, _ in links] == ["#child-given-name", "#child-family-name", "#child-dob-day",
                                           "#child-nhs-number", "#child-postcode"]
    assert "check) digit does not match" in dict(links)["#child-nhs-number"]
    summary.locator("a[href='#child-nhs-number']").click()
    assert page.evaluate("document.activeElement.id") == "child-nhs-number"
    assert page.locator("#child-nhs-number-error").is_visible()


def _child(page: Any) -> None:
    page.fill("#child-given-name", "Amara")
    page.fill("#child-family-name", "Browserchild")
    page.fill("#child-dob-day", str(DOB.day))
    page.fill("#child-dob-month", str(DOB.month))
    page.fill("#child-dob-year", str(DOB.year))
    page.fill("#child-nhs-number", "469 819 4180")
    page.check("label:has-text('Female')")
    page.fill("#child-postcode", "ls1 4ap")


def _family(page: Any) -> None:
    page.fill("#family-carer-given-name", "Grace")
    page.fill("#family-carer-family-name", "Testparent")
    page.select_option("#family-carer-relationship", "mother")
    page.fill("#family-carer-email", "grace.testparent@example.com")
    page.click("summary:has-text('Add another parent or carer')")  # a parent who lives apart hears too
    page.fill("#family-other-given-name", "Sam")
    page.fill("#family-other-family-name", "Testparent")
    page.select_option("#family-other-relationship", "father")
    page.fill("#family-other-email", "sam.testparent@example.com")
    page.check("#family-preferred-channel")
    page.check("#family-interpreter-needed-2")
    page.check("label:has-text('Speech and language therapy')")


def _referrer(page: Any) -> None:
    assert page.input_value("#referrer-name") == "Hannah Visitor"  # filled from the account
    page.select_option("#referrer-role", "health-visitor")
    page.fill("#referrer-email", "hannah.visitor@nhs.example")


def _concern(page: Any) -> None:
    page.check("label:has-text('Speech, language and communication needs')")
    page.select_option("#concern-range-ci", "3")
    page.fill("#concern-description", "Uses very few words at 30 months and is frustrated when not understood.")
    page.check("#concern-urgency")
    page.check("#concern-safeguarding-2")
    page.check("#concern-parent-informed")


JOURNEY = [("About the child", _child), ("About the family", _family), ("About you", _referrer),
           ("About the concern", _concern)]


def test_a_health_visitor_fills_every_page_and_sees_the_reference(page, platform) -> None:  # type: ignore[no-untyped-def]
    _sign_in(page, platform)
    page.click("a.govuk-button--start")
    for title, fill in JOURNEY:
        assert page.title().startswith(title)
        fill(page)
        _continue(page)
    assert page.title().startswith("Check your answers")
    assert "LS1 4AP" in page.inner_text("main")
    assert "Sam Testparent (father)" in page.inner_text("main")
    page.click("#send")
    page.wait_for_url(re.compile(r".*/concerns/FD-[0-9A-Z]{4}-[0-9A-Z]{4}/confirmation$"))
    reference = page.inner_text("#reference")
    assert re.fullmatch(r"FD-[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
    page.goto("/concerns")
    assert reference in page.inner_text("table")
    page.click(f"text={reference}")
    assert "Submitted" in page.inner_text("main")


def _sent(page: Any) -> str:
    """A concern sent through every page (no screening result, nothing tried: the council's policy
    asks for both for a toddler at range 3); its reference."""
    page.click("a.govuk-button--start")
    for _, fill in JOURNEY:
        fill(page)
        _continue(page)
    page.click("#send")
    page.wait_for_url(re.compile(r".*/confirmation$"))
    return str(page.inner_text("#reference"))


def test_the_referrer_adds_the_information_the_council_asked_for_and_triage_decides_again(  # type: ignore[no-untyped-def]
        page, platform) -> None:
    _sign_in(page, platform)
    reference = _sent(page)

    def asked() -> bool:
        page.goto(f"/concerns/{reference}")
        return bool(page.locator("#add-information").count())

    wait_for(asked, 60, "triage asks for more information")
    sync_api.expect(page.locator("main")).to_contain_text("The council needs more information")
    sync_api.expect(page.locator("main")).to_contain_text("A WellComm or ASQ-3 screening result")
    page.click("#add-information")
    assert page.title().startswith("Add the information the council asked for")
    assert page.locator("#asked-for").inner_text().count("\n") >= 2  # what was asked, listed
    assert page.input_value("#concern-description").startswith("Uses very few words")  # what was sent, shown

    page.fill("#concern-tried-what", "Small-group language sessions at nursery")
    page.fill("#concern-tried-weeks", "ten")
    page.click("#send-information")
    summary = page.locator(".govuk-error-summary")
    sync_api.expect(summary).to_contain_text("Enter for how many weeks it has been tried as a whole number, like 8")
    page.fill("#concern-tried-weeks", "10")
    page.check("#concern-wellcomm")  # red
    page.click("#send-information")

    sync_api.expect(page.locator(".govuk-notification-banner")).to_contain_text("Information sent")
    wait_for(lambda: not asked() and "Triaged: for the panel" in page.inner_text("main"), 60,
             "triage decides again")
    history = page.inner_text("main")
    assert history.index("Triaged: for the panel") < history.index("Information added") < history.index(
        "More information needed")  # newest first
    assert "That the council needs more information, in the development mailbox" in history  # what each told


def test_the_referrer_withdraws_a_concern_saying_why_and_it_is_withdrawn_for_good(page, platform) -> None:  # type: ignore[no-untyped-def]
    _sign_in(page, platform)
    reference = _sent(page)
    page.goto(f"/concerns/{reference}")
    page.click("#withdraw")
    assert page.title().startswith(f"Withdraw concern {reference}")
    assert not axe_violations(page)
    page.click("#confirm-withdraw")  # no reason chosen
    sync_api.expect(page.locator(".govuk-error-summary")).to_contain_text("Select why you are withdrawing the concern")
    page.check("label:has-text('The family has moved out of the council')")
    page.click("#confirm-withdraw")

    sync_api.expect(page.locator(".govuk-notification-banner")).to_contain_text("Concern withdrawn")
    main = page.inner_text("main")
    assert "Withdrawn" in main
    assert "Because the family has moved out of the council's area." in main
    assert page.locator("#withdraw").count() == 0  # once withdrawn, for good
    assert page.locator("#add-information").count() == 0


def test_every_page_passes_axe_for_wcag_2_2_a_and_aa(page, platform) -> None:  # type: ignore[no-untyped-def]
    page.goto("/sign-in")
    problems = {"Sign in": axe_violations(page)}
    _sign_in(page, platform)
    problems["Your concerns"] = axe_violations(page)
    page.goto("/concerns/new/child")
    _continue(page)  # every error showing
    problems["Errors"] = axe_violations(page)
    for title, fill in JOURNEY:
        problems[title] = axe_violations(page)
        fill(page)
        _continue(page)
    problems["Check"] = axe_violations(page)
    page.click("#send")
    page.wait_for_url(re.compile(r".*/confirmation$"))
    problems["Sent"] = axe_violations(page)
    reference = page.inner_text("#reference")
    wait_for(lambda: page.goto(f"/concerns/{reference}") is not None and page.locator("#add-information").count() > 0,
             60, "triage asks for more information")
    problems["Status, information asked for"] = axe_violations(page)
    page.click("#add-information")
    problems["Add the information"] = axe_violations(page)
    page.fill("#concern-tried-weeks", "ten")
    page.click("#send-information")
    problems["Add the information, errors"] = axe_violations(page)
    assert {name: found for name, found in problems.items() if found} == {}


def test_a_council_administrator_finds_the_report_and_changes_its_period_and_it_passes_axe(  # type: ignore[no-untyped-def]
        page, platform) -> None:
    _sign_in(page, platform, "council-admin")
    page.click("#front-door-report")
    page.wait_for_url("**/reports/front-door")
    problems = {"Report": axe_violations(page)}
    assert page.locator("h1").inner_text() == "How the front door is doing"
    page.fill("#from-day", "1")
    page.fill("#from-month", "11")
    page.fill("#from-year", "2026")
    page.fill("#to-day", "15")
    page.fill("#to-month", "11")
    page.fill("#to-year", "2026")
    page.click("#show-period")
    page.wait_for_load_state()
    assert "Concerns received from 1 November 2026 to 15 November 2026" in page.inner_text("main")
    page.fill("#from-day", "31")
    page.fill("#from-month", "2")
    page.click("#show-period")
    page.wait_for_load_state()
    assert "Enter a real date for 'From'" in page.inner_text(".govuk-error-summary")
    problems["Report, errors"] = axe_violations(page)
    assert {name: found for name, found in problems.items() if found} == {}


@pytest.mark.parametrize("service", ["intake", "early-years", "notifications"])
def test_every_footer_leads_to_the_councils_privacy_notice_accessibility_statement_and_cookies(
        chromium, platform, service: str) -> None:  # type: ignore[no-untyped-def]
    context = chromium.new_context(base_url=f"http://127.0.0.1:{platform.ports[service]}", bypass_csp=True)
    tab = context.new_page()
    try:
        problems = {}
        for link, heading in (("Privacy notice", "How we use information about your child"),
                              ("Accessibility statement", "Accessibility statement"), ("Cookies", "Cookies")):
            tab.goto("/accessibility" if link == "Privacy notice" else "/privacy")  # reached from the other
            tab.click(f"footer >> text={link}")
            tab.wait_for_load_state()
            assert tab.inner_text("h1") == heading
            assert "Front Door Model Council" in tab.inner_text("main")
            assert "© Front Door Model Council" in tab.inner_text("footer")
            problems[link] = axe_violations(tab)
        assert {name: found for name, found in problems.items() if found} == {}
    finally:
        context.close()


def test_a_council_administrator_records_a_teams_answer_and_the_pages_pass_axe(page, platform) -> None:  # type: ignore[no-untyped-def]
    from tests.support import a_concern, post_concern, status_of

    reference = post_concern(platform, a_concern(age_months=80, given_name="Browseranswer")).json()["reference"]
    wait_for(lambda: status_of(platform, reference)["status"] == "routed", 60, "routed")
    _sign_in(page, platform, "council-admin")
    page.goto(f"/concerns/{reference}")
    page.click("#team-answer")
    assert page.locator("h1").inner_text() == "Record the team's answer"
    problems = {"Team's answer": axe_violations(page)}
    page.click("#record-team-answer")  # nothing chosen
    sync_api.expect(page.locator(".govuk-error-summary")).to_contain_text("Select what the team said")
    problems["Team's answer, errors"] = axe_violations(page)
    page.check("label:has-text('The team declined the referral')")
    page.check("label:has-text('The team is already working with the child')")
    page.click("#record-team-answer")

    sync_api.expect(page.locator(".govuk-notification-banner")).to_contain_text("answer is recorded")
    main = page.inner_text("main")
    assert "Declined by the service" in main
    assert "Because the team is already working with the child." in main
    problems["Status, the team's answer"] = axe_violations(page)
    assert {name: found for name, found in problems.items() if found} == {}
