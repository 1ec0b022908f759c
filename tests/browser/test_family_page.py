"""The family's status page in Chromium, reached by the private link in the family's first
message: it says whose support it is and where things stand, links the council's privacy notice,
and axe-core finds no WCAG 2.2 A/AA failure."""

from __future__ import annotations

from typing import Any

from tests.browser.browser import ARGS, CHROMIUM, axe_violations, status_link, sync_api
from tests.support import a_concern, post_concern


def test_the_familys_page_says_where_things_stand_and_passes_axe(platform: Any) -> None:
    reference = post_concern(platform, a_concern(given_name="Statuspage")).json()["reference"]
    link = status_link(platform, reference)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            tab = browser.new_context(bypass_csp=True).new_page()
            tab.goto(link)
            assert tab.inner_text("h1") == "Support for Statuspage: where things are"
            assert reference in tab.inner_text("main")
            assert tab.get_attribute("footer a[href='/privacy']", "class") == "govuk-footer__link"
            assert axe_violations(tab) == []
        finally:
            browser.close()
