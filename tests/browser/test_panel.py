"""In Chromium: the chair of the early-years inclusion panel signs in, decides, and is refused
without quorum; the routed referral and the family's and referrer's messages follow; axe-core finds
no serious or critical violation on any panel page."""

from __future__ import annotations

import asyncio
import importlib.util
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import pytest

from tests.browser.browser import ARGS, CHROMIUM, status_link, sync_api
from tests.support import a_concern, mailbox, post_concern, wait_for

pytestmark = pytest.mark.e2e
REASON = "The nursery's language plan is working; specialist outreach will support the staff."
CODED_REASON = "Specialist advice or assessment is needed to understand and meet the child's needs."
QUORATE = {"Priya Chair (chair)": ("panel-chair", "send"), "Dr Owen Health": ("panel-health", "health"),
           "Sian Therapist": ("panel-slt", "health")}
INQUORATE = {"Priya Chair (chair)": ("panel-chair", "send"), "Dr Owen Health": ("panel-health", "health")}
MEMBERS = ("Priya Chair (chair)", "Dr Owen Health", "Sian Therapist", "Ezra Years")


def panel_url(platform: Any, path: str = "/panel") -> str:
    return f"http://127.0.0.1:{platform.ports['early-years']}{path}"


@pytest.fixture(scope="module")
def chair(platform: Any) -> Iterator[Any]:
    """A Chromium page signed in as the demo panel's chair, through intake's sign-in."""
    user = platform.seed_demo()["users"]["panel-chair"]
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_context().new_page()
        page.goto(panel_url(platform))
        assert "/sign-in?next=" in page.url, "the panel sends a stranger to intake's sign-in first"
        # Intake's CSP (form-action 'self') stops Chromium following the sign-in form's redirect to
        # another port, so sign in for intake's own page and come back: the session cookie is sent
        # to every port on 127.0.0.1.
        page.goto(f"http://127.0.0.1:{platform.ports['intake']}/sign-in?next=/concerns")
        page.fill("#email", user["email"])
        page.fill("#password", user["password"])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/concerns*")
        page.goto(panel_url(platform))
        assert page.get_by_role("heading", level=1).inner_text().startswith("Agenda for")
        yield page
        browser.close()


def listed(page: Any, platform: Any, age_months: int = 30) -> tuple[str, str]:
    """Submit an under-5 concern and wait for it on the agenda; its reference and recommended pathway."""
    accepted = post_concern(platform, a_concern(age_months=age_months))
    assert accepted.status_code == 202, accepted.text
    reference = accepted.json()["reference"]

    def on_agenda() -> bool:
        page.goto(panel_url(platform))
        return page.get_by_role("link", name=reference).count() == 1

    wait_for(on_agenda, 90, f"{reference} on the panel's agenda")
    cases = page.request.get(panel_url(platform, "/api/v1/panel/cases")).json()
    [case] = [c for c in cases if c["reference"] == reference]
    return reference, case["recommended_pathway"]


def record_attendance(page: Any, platform: Any, present: dict[str, tuple[str, str]]) -> None:
    page.goto(panel_url(platform))
    for name in MEMBERS:
        box = page.get_by_label(name, exact=True)
        box.set_checked(name in present)
    for subject, agency in present.values():
        page.select_option(f"#agency-{subject}", agency)
    page.get_by_role("button", name="Save who is present").click()
    page.wait_for_url("**/panel?done=attendance*")


def fill_decision(page: Any, pathway: str, reason: str = REASON) -> None:
    review, due = date.today() + timedelta(days=90), date.today() + timedelta(days=14)
    page.get_by_label("Override: the panel chooses another pathway").check()
    page.get_by_label(CODED_REASON).check()
    page.fill("#note", reason)
    page.select_option("#pathway", pathway)
    for prefix, when in (("next_review", review), ("action-1-due", due)):
        page.fill(f"#{prefix}-day", str(when.day))
        page.fill(f"#{prefix}-month", str(when.month))
        page.fill(f"#{prefix}-year", str(when.year))
    page.select_option("#action-1-agency", "speech-and-language")
    page.select_option("#action-1-task", "assess")
    page.fill("#action-1-owner_role", "Speech and language therapist")


def open_decision(page: Any, platform: Any, reference: str) -> None:
    page.goto(panel_url(platform))
    page.get_by_role("link", name=reference).click()
    page.get_by_role("button", name="Record the panel's decision").click()


def another_pathway(recommended: str | None) -> str:
    return "sen-support" if recommended == "outreach" else "outreach"


def referrals(bootstrap: str, topic: str, reference: str, timeout: float = 30) -> list[dict[str, Any]]:
    """CloudEvents about `reference` on `topic`, read from the start by a consumer of no group."""
    from aiokafka import AIOKafkaConsumer

    async def read() -> list[dict[str, Any]]:
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None,
                                    auto_offset_reset="earliest", enable_auto_commit=False)
        await consumer.start()
        found: list[dict[str, Any]] = []
        try:
            deadline = asyncio.get_running_loop().time() + timeout
            while not found and asyncio.get_running_loop().time() < deadline:
                batch = await consumer.getmany(timeout_ms=500)
                events = [json.loads(r.value) for rs in batch.values() for r in rs]
                found += [e for e in events if e["data"]["reference"] == reference]
        finally:
            await consumer.stop()
        return found

    # Playwright's sync API keeps an event loop running in this thread: read from another one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, read()).result()


def test_a_decision_without_quorum_is_refused_with_a_clear_message(chair: Any, platform: Any) -> None:
    reference, recommended = listed(chair, platform)
    record_attendance(chair, platform, INQUORATE)
    open_decision(chair, platform, reference)
    fill_decision(chair, another_pathway(recommended))
    chair.get_by_role("button", name="Record decision").click()

    summary = chair.locator(".govuk-error-summary")
    sync_api.expect(summary).to_be_visible()
    sync_api.expect(summary).to_contain_text(
        "The panel is not quorate: it needs at least 3 members from at least 2 agencies, the chair among them. "
        "Present: 2 members from 2 agencies.")
    assert chair.title().startswith("Error:")


def test_the_chair_overrides_with_a_reason_and_an_action_and_everyone_hears(chair: Any, platform: Any,
                                                                           test_stack: Any) -> None:
    reference, recommended = listed(chair, platform)
    record_attendance(chair, platform, QUORATE)
    open_decision(chair, platform, reference)
    pathway = another_pathway(recommended)
    fill_decision(chair, pathway)
    chair.get_by_role("button", name="Record decision").click()

    sync_api.expect(chair.locator(".govuk-notification-banner")).to_contain_text("Decision recorded")
    sync_api.expect(chair.get_by_text(REASON)).to_be_visible()  # the chair's note, for the panel's eyes
    sync_api.expect(chair.get_by_text(CODED_REASON)).to_be_visible()
    sync_api.expect(chair.get_by_role("cell", name="Assess the child's needs")).to_be_visible()  # the action's task
    [routed] = referrals(test_stack.bootstrap, f"referrals.{pathway}.v1", reference)
    assert routed["data"]["decided_by"] == "panel"
    assert CODED_REASON in [r["text"] for r in routed["data"]["reasons"]]  # the council's words travel ...
    assert "language plan" not in json.dumps(routed)  # ... the chair's free text does not

    def told() -> list[str]:
        return sorted(m["template"] for m in mailbox(platform, reference) if m["template"].endswith("panel-decision"))

    wait_for(lambda: len(told()) >= 2, 60, "the family and the referrer told of the decision")
    assert told() == ["family/panel-decision", "referrer/panel-decision"]

    # the family's page says what the panel asked which agency to do, in the council's words
    family_page = chair.context.new_page()
    family_page.goto(status_link(platform, reference))
    sync_api.expect(family_page.locator("main")).to_contain_text(
        "The panel asked Speech and language therapy to assess the child's needs.")
    family_page.close()
    letters = [m for m in mailbox(platform, reference) if m["template"].endswith("panel-decision")]
    assert all(REASON in m["body"] for m in letters), "the note reaches the family's and the referrer's letters"
    asked = "The panel also asked:\n- Speech and language therapy to assess the child's needs by "
    assert all(asked in m["body"] for m in letters), "the letters say who the panel asked to do what, by when"


def test_no_panel_page_has_a_serious_or_critical_accessibility_violation(chair: Any, platform: Any) -> None:
    if importlib.util.find_spec("axe_playwright_python") is None:
        pytest.skip("axe-core scan skipped: install axe-playwright-python (dev dependency) to run it")
    from axe_playwright_python.sync_playwright import Axe

    axe, found = Axe(), {}
    reference, _ = listed(chair, platform)
    record_attendance(chair, platform, INQUORATE)
    pages = {"agenda": lambda: chair.goto(panel_url(platform)),
             "case": lambda: chair.get_by_role("link", name=reference).click(),
             "decision form": lambda: chair.get_by_role("button", name="Record the panel's decision").click(),
             "decision refused": lambda: chair.get_by_role("button", name="Record decision").click(),
             "actions": lambda: chair.goto(panel_url(platform, "/panel/actions"))}
    for name, open_page in pages.items():
        open_page()
        chair.wait_for_load_state()
        violations = axe.run(chair).response["violations"]
        found[name] = [f"{v['id']} ({v['impact']})" for v in violations if v["impact"] in ("serious", "critical")]
    assert found == {name: [] for name in pages}
