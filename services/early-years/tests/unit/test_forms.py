"""Reading the decision form: dates, pounds, optional funding and actions, errors in form order."""

from __future__ import annotations

from datetime import date

from early_years.entrypoints.forms import error_summary, example_date, read_decision, read_pounds

FILLED = {"csrf_token": "t", "outcome": "overridden", "pathway": "outreach",
          "reasons": "specialist-advice", "note": "Outreach suits better.",
          "next_review-day": "1", "next_review-month": "6", "next_review-year": "2026",
          "funding_band": "FFI-2", "funding_amount": "£1,250.50", "funding_period": "per term",
          "action-1-agency": "health", "action-1-task": "assess", "action-1-owner_role": "Health visitor",
          "action-1-due-day": "2", "action-1-due-month": "4", "action-1-due-year": "2026"}


def test_a_filled_form_reads_as_a_draft() -> None:
    read = read_decision(FILLED)
    assert read.errors == {}
    assert read.draft.next_review == date(2026, 6, 1)
    assert read.draft.funding is not None
    assert read.draft.funding.amount_pence == 125050
    [action] = read.draft.actions
    assert (action.row, action.agency, action.due) == (1, "health", date(2026, 4, 2))
    assert "csrf_token" not in read.values
    assert (read.draft.reason_codes, read.draft.note) == (("specialist-advice",), "Outreach suits better.")


class _Posted(dict):  # type: ignore[type-arg]
    """A browser's form post: a checkbox field repeats (as Starlette's FormData gives it)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__(pairs)
        self.pairs = pairs

    def getlist(self, name: str) -> list[str]:
        return [v for k, v in self.pairs if k == name]


def test_every_reason_ticked_is_read_once_and_kept_for_redisplay() -> None:
    form = _Posted([("outcome", "overridden"), ("reasons", "specialist-advice"), ("reasons", "family-views"),
                    ("reasons", "specialist-advice")])
    read = read_decision(form)
    assert read.draft.reason_codes == ("specialist-advice", "family-views")
    assert read.values["reasons"] == ["specialist-advice", "family-views"]


def test_blank_funding_and_blank_actions_are_left_out() -> None:
    read = read_decision({"outcome": "confirmed", "pathway": "slcn"})
    assert read.draft.funding is None
    assert read.draft.actions == ()
    assert read.draft.next_review is None


def test_a_date_that_does_not_exist_is_named() -> None:
    read = read_decision({**FILLED, "next_review-day": "31", "next_review-month": "2"})
    assert read.errors == {"next_review": "The next review date must be a real date"}


def test_the_date_hints_example_is_twelve_weeks_ahead_and_one_the_form_accepts() -> None:
    today = date(2026, 11, 30)
    example = example_date(today)
    assert example == "22 2 2027"
    day, month, year = example.split()
    read = read_decision({**FILLED, "next_review-day": day, "next_review-month": month, "next_review-year": year})
    assert read.errors == {}
    assert read.draft.next_review is not None
    assert read.draft.next_review > today


def test_an_amount_that_is_not_money_is_named() -> None:
    assert read_pounds("lots")[1] is not None
    assert read_pounds("12.345")[1] is not None
    assert read_pounds("0") == (0, None)


def test_a_half_filled_action_is_kept_so_the_rules_can_say_what_is_missing() -> None:
    read = read_decision({"action-3-owner_role": "Specialist teacher"})
    [action] = read.draft.actions
    assert (action.row, action.agency, action.task, action.due) == (3, "", "", None)
    [chosen] = read_decision({"action-2-task": "visit-setting"}).draft.actions
    assert (chosen.row, chosen.task) == (2, "visit-setting")


def test_a_filled_action_carries_what_is_to_be_done() -> None:
    [action] = read_decision(FILLED).draft.actions
    assert (action.agency, action.task, action.owner_role) == ("health", "assess", "Health visitor")


def test_the_error_summary_follows_the_form_and_links_to_each_field() -> None:
    summary = error_summary({"action-1-due": "due", "action-1-agency": "agency", "next_review": "review",
                             "reasons": "reasons", "note": "note", "quorum": "quorum"})
    assert [e["href"] for e in summary] == ["/panel#attendance", "#reasons", "#note", "#next_review-day",
                                            "#action-1-agency", "#action-1-due-day"]
