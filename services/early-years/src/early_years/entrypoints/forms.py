"""Reading the decision form: what the chair typed, kept for re-display, and a draft for the rules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from early_years.domain.decision import ActionDraft, DecisionDraft, FundingDraft

ACTION_ROWS = 3
DATE_PARTS = ("day", "month", "year")
ACTION_FIELDS = ("agency", "task", "owner_role", "due")
# The order fields appear on the form: the error summary lists them the same way.
FIELD_ORDER = ("quorum", "corrects", "outcome", "reasons", "note", "pathway", "funding_band", "funding_amount",
               "funding_period", "next_review")


@dataclass
class DecisionForm:
    values: dict[str, Any]
    draft: DecisionDraft
    errors: dict[str, str] = field(default_factory=dict)


def _get(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def example_date(today: date) -> str:
    """A date to show as the example in a date field's hint: twelve weeks ahead, as the form wants it
    typed (day month year), so the example is one the form would accept (review and due dates must be
    in the future)."""
    ahead = today + timedelta(weeks=12)
    return f"{ahead.day} {ahead.month} {ahead.year}"


def read_date(form: Mapping[str, Any], name: str, label: str) -> tuple[date | None, str | None]:
    parts = [_get(form, f"{name}-{p}") for p in DATE_PARTS]
    if not any(parts):
        return None, None
    try:
        day, month, year = (int(p) for p in parts)
        if year < 1000:
            raise ValueError(year)
        return date(year, month, day), None
    except ValueError:
        return None, f"{label} must be a real date"


def read_pounds(raw: str) -> tuple[int | None, str | None]:
    cleaned = re.sub(r"[£,\s]", "", raw)
    try:
        pounds = Decimal(cleaned)
    except InvalidOperation:
        return None, "Enter the amount in pounds, like 1250 or 1250.50"
    if pounds != pounds.quantize(Decimal("0.01")):
        return None, "Enter the amount in pounds and pence, like 1250.50"
    return int(pounds * 100), None


def _funding(form: Mapping[str, Any], errors: dict[str, str]) -> FundingDraft | None:
    band, raw = _get(form, "funding_band"), _get(form, "funding_amount")
    if not band and not raw:
        return None
    pence, problem = read_pounds(raw) if raw else (None, None)
    if problem:
        errors["funding_amount"] = problem
    return FundingDraft(band=band, amount_pence=pence, period=_get(form, "funding_period") or "per term")


def _actions(form: Mapping[str, Any], errors: dict[str, str]) -> tuple[ActionDraft, ...]:
    drafts = []
    for row in range(1, ACTION_ROWS + 1):
        prefix = f"action-{row}"
        agency, role = _get(form, f"{prefix}-agency"), _get(form, f"{prefix}-owner_role")
        task = _get(form, f"{prefix}-task")
        due, problem = read_date(form, f"{prefix}-due", f"The due date of action {row}")
        if problem:
            errors[f"{prefix}-due"] = problem
        if agency or task or role or due or problem:
            drafts.append(ActionDraft(row=row, agency=agency, owner_role=role, due=due, task=task))
    return tuple(drafts)


def _all(form: Mapping[str, Any], name: str) -> tuple[str, ...]:
    """Every value a repeated field (checkboxes) sent, as a browser posts them or as a test builds them."""
    raw = form.getlist(name) if hasattr(form, "getlist") else form.get(name, ())
    raw = [raw] if isinstance(raw, str) else raw
    return tuple(dict.fromkeys(v.strip() for v in raw if isinstance(v, str) and v.strip()))


def read_decision(form: Mapping[str, Any]) -> DecisionForm:
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    values["reasons"] = list(_all(form, "reasons"))
    errors: dict[str, str] = {}
    next_review, problem = read_date(form, "next_review", "The next review date")
    if problem:
        errors["next_review"] = problem
    draft = DecisionDraft(
        outcome=_get(form, "outcome"), pathway=_get(form, "pathway"), reason_codes=_all(form, "reasons"),
        note=_get(form, "note"),
        next_review=next_review, funding=_funding(form, errors), actions=_actions(form, errors),
        corrects_decision_id=_get(form, "corrects_decision_id") or None)
    return DecisionForm(values=values, draft=draft, errors=errors)


def _href(name: str) -> str:
    if name == "quorum":
        return "/panel#attendance"
    if name == "corrects":
        return "#outcome"
    if name == "next_review" or name.endswith("-due"):
        return f"#{name}-day"
    return f"#{name}"


def _rank(name: str) -> tuple[int, int, int]:
    if name in FIELD_ORDER:
        return FIELD_ORDER.index(name), 0, 0
    found = re.fullmatch(r"action-(\d+)-(\w+)", name)
    if found is None:
        return len(FIELD_ORDER) + 1, 0, 0
    part = ACTION_FIELDS.index(found[2]) if found[2] in ACTION_FIELDS else len(ACTION_FIELDS)
    return len(FIELD_ORDER), int(found[1]), part


def error_summary(errors: Mapping[str, str]) -> list[dict[str, str]]:
    """govukErrorSummary's list, in the order the fields appear, each linking to its field."""
    return [{"text": errors[name], "href": _href(name)} for name in sorted(errors, key=_rank)]
