"""Every page's layout is a council's, not GOV.UK's: Front Door is not on GOV.UK, so it carries
none of GOV.UK's crown, Royal Arms, Crown copyright or GDS Transport typeface (licensed for GOV.UK
alone), and names the council that runs it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from frontdoor_shared import govuk
from frontdoor_shared.auth import SESSION_COOKIE
from frontdoor_shared.settings import ServiceSettings
from frontdoor_shared.web import CSRF_COOKIE

STATIC = Path(govuk.__file__).resolve().parent / "static"
BORSETSHIRE = govuk.Council("Borsetshire County Council", "the SEND team on 01632 960000",
                            "our data protection officer at dpo@borsetshire.example")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """A service's pages as `govuk` gives them: the shared layout, the about pages, the assets."""
    (tmp_path / "hello.html").write_text(
        '{% extends "frontdoor_base.html" %}{% block page %}<p>Hello</p>{% endblock %}')
    app = FastAPI()
    app.state.templates = govuk.templates(tmp_path, council=BORSETSHIRE)
    app.include_router(govuk.about_pages("Test"))
    govuk.mount_assets(app)

    @app.get("/")
    async def hello(request: Request) -> object:
        return govuk.templates_of(request).TemplateResponse(
            request, "hello.html", govuk.page_context(request, title="Hello", service_name="Test"))

    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def page(client: TestClient) -> str:
    response = client.get("/")
    assert response.status_code == 200
    icon = client.get("/assets/favicon.svg")
    assert icon.status_code == 200
    assert icon.content.startswith(b"<svg")
    return response.text


@pytest.fixture
def about(client: TestClient) -> dict[str, str]:
    pages = {path: client.get(path) for path in ("/privacy", "/accessibility", "/cookies")}
    assert {path: r.status_code for path, r in pages.items()} == dict.fromkeys(pages, 200)
    return {path: r.text for path, r in pages.items()}


def test_the_footer_names_the_council_and_claims_no_crown_copyright(page: str) -> None:
    assert "&copy; Borsetshire County Council" in page
    assert '<footer class="govuk-footer">' in page  # one contentinfo landmark
    assert '<a class="govuk-footer__link" href="/privacy">Privacy notice</a>' in page
    assert '<a class="govuk-footer__link" href="/accessibility">Accessibility statement</a>' in page
    assert '<a class="govuk-footer__link" href="/cookies">Cookies</a>' in page
    for gov_uk_only in ("Crown copyright", "govuk-footer__copyright-logo", "govuk-footer__crown",
                        "govuk-crest", "govuk-logo"):
        assert gov_uk_only not in page


def test_the_page_icon_is_front_doors_not_the_crown(page: str) -> None:
    assert '<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">' in page
    for crowned in ("govuk-icon", "favicon.ico", "manifest.json"):
        assert crowned not in page


def test_the_stylesheet_is_set_in_arial_and_ships_no_gds_transport() -> None:
    css = (STATIC / "govuk-frontend.min.css").read_text()
    assert "GDS Transport" not in css
    assert "font-family:arial,sans-serif" in css
    assert "/assets/fonts/" not in css
    assert not (STATIC / "fonts").exists()
    assert not list(STATIC.rglob("*.woff*"))


def test_the_council_is_named_by_the_deployment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ServiceSettings().council_name == "Front Door Model Council"
    monkeypatch.setenv("FRONTDOOR_COUNCIL_NAME", "Borsetshire County Council")
    assert ServiceSettings().council_name == "Borsetshire County Council"


def test_the_privacy_notice_is_the_councils_and_says_how_to_use_your_rights(about: dict[str, str]) -> None:
    notice = about["/privacy"]
    assert "Borsetshire County Council is the data controller" in notice
    assert "our data protection officer at dpo@borsetshire.example" in notice
    assert "the SEND team on 01632 960000" in notice
    assert "https://ico.org.uk/make-a-complaint/" in notice
    assert "article 6(1)(e)" in notice


def test_the_accessibility_statement_says_what_was_tested_and_what_was_not(about: dict[str, str]) -> None:
    statement = about["/accessibility"]
    assert "Borsetshire County Council runs this service" in statement
    assert "partially compliant with WCAG 2.2 AA" in statement
    assert "not yet been audited by hand" in statement
    assert "contact the SEND team on 01632 960000" in statement


def test_the_cookies_page_lists_every_cookie_the_service_sets(about: dict[str, str]) -> None:
    page = about["/cookies"]
    assert SESSION_COOKIE in page
    assert CSRF_COOKIE in page
    assert "fd_oidc" in page  # intake's, while signing in at the council's provider
    assert "After 10 minutes, or when they have signed in" in page
    assert "After 60 minutes, or when you sign out" in page  # FRONTDOOR_TOKEN_MINUTES, the session's life
    assert "we do not ask you to accept any" in page


def test_every_need_code_has_its_name_and_codes_read_as_names_in_order() -> None:
    from typing import get_args

    from frontdoor_shared.contracts.common import NEED_NAMES, NeedCode, need_names

    assert set(NEED_NAMES) == set(get_args(NeedCode))
    assert need_names(["SEMH", "SLCN"]) == ("Social, emotional and mental health; "
                                            "Speech, language and communication needs")
    assert need_names(None) == ""
    page = govuk.templates(Path(__file__).parent).env.from_string("{{ ['HI'] | need_names }}").render()
    assert page == "Hearing impairment"
