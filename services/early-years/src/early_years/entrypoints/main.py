"""Early years' process: consumers, relay, the overdue check and the panel's pages and API."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from markupsafe import Markup

from early_years.adapters.readings import readings
from early_years.bootstrap import EarlyYears
from early_years.config import EarlyYearsSettings
from early_years.domain.agencies import pathway_name
from early_years.domain.vocabulary import Vocabulary
from early_years.entrypoints import action_pages, agenda_pages, api, case_pages, web
from early_years.entrypoints.web import PAGES, PageRefused, SignInRequired, on_page_refused, on_sign_in_required
from frontdoor_shared import govuk
from frontdoor_shared.metrics import Metrics, serve_metrics
from frontdoor_shared.service_main import service_cli
from frontdoor_shared.statutory import assessment_decision_due
from frontdoor_shared.web import harden

DEFAULT_WORDS = Vocabulary()
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def long_date(value: date | str | None) -> str:
    """12 January 2027, from a date or one as ISO text (a case's JSON columns keep days as text)."""
    day = date.fromisoformat(value) if isinstance(value, str) and value else value
    return f"{day.day} {day:%B %Y}" if isinstance(day, date) else ""


def pounds(pence: int | None) -> str:
    return f"£{pence / 100:,.2f}" if pence is not None else ""


def task_label(code: str | None, words: Vocabulary = DEFAULT_WORDS) -> str:
    """An action's task as a table or a list shows it; an action set before tasks were recorded has none."""
    text = words.task_words(code)
    return text[:1].upper() + text[1:] if text else "Not recorded"


def options(choices: Mapping[str, str] | Sequence[str], selected: str | None = None,
            blank: str | None = None) -> list[dict[str, Any]]:
    """govukSelect items, with an optional first item meaning 'none chosen'."""
    pairs = choices.items() if isinstance(choices, Mapping) else [(c, c) for c in choices]
    items = [{"value": "", "text": blank, "selected": not selected}] if blank is not None else []
    return items + [{"value": v, "text": t, "selected": v == selected} for v, t in pairs]


def reason_items(reasons: Mapping[str, str], checked: Sequence[str]) -> list[dict[str, Any]]:
    """govukCheckboxes items for the council's panel reasons."""
    return [{"value": code, "text": text, "checked": code in checked} for code, text in reasons.items()]


def reason_list(codes: Sequence[str] | None, words: Vocabulary = DEFAULT_WORDS) -> Markup:
    """A decision's reasons as a list in the council's wording (escaped)."""
    if not codes:
        return Markup("None given")
    items = Markup("").join(Markup("<li>{}</li>").format(words.wording(c)) for c in codes)
    return Markup('<ul class="govuk-list govuk-list--bullet">{}</ul>').format(items)


def page_templates(council: govuk.Council | None = None, words: Vocabulary = DEFAULT_WORDS) -> Any:
    """The panel's pages, in the council's `words` (its agencies, reasons and tasks)."""
    templates = govuk.templates(PAGES, council=council)
    templates.env.filters.update(long_date=long_date, pounds=pounds, agency=words.agency_name, pathway=pathway_name,
                                 task=functools.partial(task_label, words=words))
    templates.env.globals.update(options=options, reason_items=reason_items,
                                 reason_list=functools.partial(reason_list, words=words), reasons=words.reasons,
                                 agencies=words.agencies,
                                 task_choices={code: task_label(code, words) for code in words.tasks},
                                 statutory_due=assessment_decision_due)
    return templates


def create_app(settings: EarlyYearsSettings | None = None, *, service: EarlyYears | None = None) -> FastAPI:
    """The app; with `service`, its lifespan is the caller's (tests start and stop it themselves)."""
    ey = service or EarlyYears(settings or EarlyYearsSettings())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await ey.start()
        try:
            yield
        finally:
            await ey.stop()

    app = FastAPI(title="Front Door early years", version="1.0.0", lifespan=lifespan,
                  description="The early years inclusion panel: agenda, cases, decisions and actions.")
    app.state.early_years = ey
    app.state.templates = page_templates(govuk.Council.of(ey.settings), ey.panel.words)
    app.add_exception_handler(SignInRequired, on_sign_in_required)
    app.add_exception_handler(PageRefused, on_page_refused)
    for module in (agenda_pages, case_pages, action_pages, api):
        app.include_router(module.router)
    app.include_router(govuk.about_pages(web.SERVICE_NAME))
    govuk.mount_assets(app)
    harden(app, production=ey.settings.environment == "production")  # forms post to itself only

    def london_today() -> date:
        return ey.clock().astimezone(ZoneInfo("Europe/London")).date()

    serve_metrics(app, Metrics(ey.runtime, readings=lambda conn: readings(conn, london_today())),
                  ey.settings.metrics_token)

    @app.get("/health", tags=["ops"])
    async def health() -> Any:
        if ey.overdue_check_stopped():
            return JSONResponse(status_code=503, content={"status": "failing", "stopped": ["overdue-actions"]})
        return await ey.runtime.health()

    return app


cli = service_cli(service="early-years", schema="early_years", migrations_dir=MIGRATIONS,
                  default_port=8002, settings=EarlyYearsSettings, create_app=create_app)


def main() -> None:
    cli()
