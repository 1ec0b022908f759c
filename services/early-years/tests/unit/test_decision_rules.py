"""What a decision must say before it is recorded, and how a correction chains to what it corrects."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from early_years.domain.decision import (
    ActionDraft,
    DecisionDraft,
    FundingDraft,
    RecordedDecision,
    correction_errors,
    refusals,
    standing,
)
from early_years.domain.quorum import Attendee, QuorumRule

TODAY = date(2026, 3, 5)
BANDS = ("FFI-1", "FFI-2")
QUORATE = QuorumRule().check([Attendee("c", "send", True), Attendee("h", "health"), Attendee("s", "health")])
INQUORATE = QuorumRule().check([Attendee("h", "health"), Attendee("s", "health")])
CONFIRM = DecisionDraft(outcome="confirmed", pathway="slcn", reason_codes=(), next_review=date(2026, 6, 1))
OVERRIDE = DecisionDraft(outcome="overridden", pathway="outreach", reason_codes=("specialist-advice",),
                         note="The nursery asked for specialist outreach.", next_review=date(2026, 6, 1),
                         actions=(ActionDraft(1, "speech-and-language", "Speech and language therapist",
                                              date(2026, 4, 1), "assess"),))


def problems(draft: DecisionDraft, quorum: object = QUORATE, recommended: str | None = "slcn") -> dict[str, str]:
    return refusals(draft, quorum, recommended=recommended, today=TODAY, bands=BANDS)  # type: ignore[arg-type]


def test_a_confirmation_of_the_recommendation_needs_no_reason() -> None:
    assert problems(CONFIRM) == {}


def test_an_override_with_a_reason_and_an_action_is_accepted() -> None:
    assert problems(OVERRIDE) == {}


def test_an_override_needs_a_reason_from_the_councils_list() -> None:
    assert problems(replace(OVERRIDE, reason_codes=())) == {
        "reasons": "Select at least one reason the panel overrode the recommendation"}
    assert problems(replace(OVERRIDE, reason_codes=(), note="A note is not a reason.")) == {
        "reasons": "Select at least one reason the panel overrode the recommendation"}


def test_a_reason_not_on_the_councils_list_is_refused() -> None:
    assert problems(replace(OVERRIDE, reason_codes=("specialist-advice", "Ava needs help"))) == {
        "reasons": "Select reasons from the list"}


def test_the_note_is_optional_and_limited_in_length() -> None:
    assert problems(replace(OVERRIDE, note="")) == {}
    assert problems(replace(OVERRIDE, note="x" * 2001)) == {"note": "The note must be 2000 characters or fewer"}


def test_a_panel_without_quorum_cannot_decide_and_is_told_why() -> None:
    assert problems(CONFIRM, INQUORATE)["quorum"].startswith("The panel is not quorate")


def test_the_pathway_must_be_one_of_the_five() -> None:
    assert "pathway" in problems(replace(OVERRIDE, pathway="elsewhere"))


def test_confirming_a_different_pathway_is_an_override_in_disguise() -> None:
    assert "pathway" in problems(replace(CONFIRM, pathway="outreach"))


def test_an_override_to_the_recommended_pathway_is_refused() -> None:
    assert "pathway" in problems(replace(OVERRIDE, pathway="slcn"))


def test_nothing_can_be_confirmed_when_triage_recommended_nothing() -> None:
    assert "outcome" in problems(CONFIRM, recommended=None)
    assert problems(OVERRIDE, recommended=None) == {}


def test_the_outcome_must_be_chosen() -> None:
    assert "outcome" in problems(replace(CONFIRM, outcome=""))


@pytest.mark.parametrize("note", ["Call mum on 07700 900123", "Email grace@example.com",
                                  "NHS number 943 476 5919", "Lives at SW1A 1AA"])
def test_a_note_with_contact_details_or_numbers_is_refused(note: str) -> None:
    assert "note" in problems(replace(OVERRIDE, note=note))


def test_the_next_review_is_required_and_in_the_future() -> None:
    assert "next_review" in problems(replace(CONFIRM, next_review=None))
    assert "next_review" in problems(replace(CONFIRM, next_review=TODAY))


@pytest.mark.parametrize(("funding", "field"), [
    (FundingDraft("FFI-9", 100, "per term"), "funding_band"),
    (FundingDraft("FFI-1", None, "per term"), "funding_amount"),
    (FundingDraft("FFI-1", -1, "per term"), "funding_amount"),
    (FundingDraft("FFI-1", 100, "per fortnight"), "funding_period"),
])
def test_inclusion_funding_needs_a_known_band_and_a_non_negative_amount(funding: FundingDraft, field: str) -> None:
    assert field in problems(replace(CONFIRM, funding=funding))


def test_inclusion_funding_of_nothing_is_allowed() -> None:
    assert problems(replace(CONFIRM, funding=FundingDraft("FFI-1", 0, "per term"))) == {}


def test_an_action_needs_an_agency_a_task_an_owner_role_and_a_future_due_date() -> None:
    bad = ActionDraft(2, "the-moon", "", TODAY)
    assert set(problems(replace(CONFIRM, actions=(bad,)))) == {"action-2-agency", "action-2-task",
                                                               "action-2-owner_role", "action-2-due"}
    assert problems(replace(CONFIRM, actions=(bad,)))["action-2-task"] == "Select what is to be done in action 2"


def test_an_actions_task_is_one_of_the_councils_not_free_text() -> None:
    typed = ActionDraft(1, "health", "Health visitor", date(2026, 4, 1), "see Ava at home on Tuesday")
    assert set(problems(replace(CONFIRM, actions=(typed,)))) == {"action-1-task"}
    coded = replace(typed, task="family-support")
    assert problems(replace(CONFIRM, actions=(coded,))) == {}


def test_an_action_owner_is_a_role_not_contact_details() -> None:
    bad = ActionDraft(1, "health", "ring 07700 900123", date(2026, 4, 1), "assess")
    assert "action-1-owner_role" in problems(replace(CONFIRM, actions=(bad,)))


def at(day: int) -> datetime:
    return datetime(2026, 3, day, tzinfo=UTC)


FIRST = RecordedDecision("d1", None, at(5))
SECOND = RecordedDecision("d2", "d1", at(6))
THIRD = RecordedDecision("d3", "d2", at(7))


def test_the_latest_correction_is_the_decision_that_stands() -> None:
    assert standing([FIRST, SECOND, THIRD]) == THIRD
    assert standing([FIRST]) == FIRST
    assert standing([]) is None


def test_a_first_decision_corrects_nothing() -> None:
    assert correction_errors([], None) == {}
    assert "corrects" in correction_errors([], "d1")


def test_a_second_decision_must_be_a_correction_of_the_one_that_stands() -> None:
    assert "corrects" in correction_errors([FIRST], None)
    assert correction_errors([FIRST], "d1") == {}


def test_a_decision_already_corrected_cannot_be_corrected_again() -> None:
    assert "corrects" in correction_errors([FIRST, SECOND], "d1")
    assert correction_errors([FIRST, SECOND], "d2") == {}
