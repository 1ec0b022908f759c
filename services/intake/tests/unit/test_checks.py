"""Unit tests for the intake domain checks (identifiers, dates, need codes, free text).

Examples come from /work/shared/domain/send-rules.md. NHS numbers here are in the 999 range
(never issued) or are the published examples.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from intake.domain import checks
from intake.domain.checks import (
    AREAS,
    NEED_CODES,
    CheckFailed,
    age_in_months,
    check_date_of_birth,
    check_expected_delivery_date,
    check_need_codes,
    check_ods_code,
    check_range,
    check_school_urn,
    check_text,
    compulsory_school_age_from,
    is_compulsory_school_age,
    normalise_nhs_number,
    normalise_postcode,
    normalise_upn,
)

# --- CheckFailed --------------------------------------------------------------------------------


def test_a_check_failure_reads_as_field_then_reason() -> None:
    error = CheckFailed("child.upn", "a UPN has 13 characters")
    assert (error.field, error.reason) == ("child.upn", "a UPN has 13 characters")
    assert str(error) == "child.upn: a UPN has 13 characters"


def test_a_check_failure_is_a_value_error() -> None:
    assert issubclass(CheckFailed, ValueError)


def test_the_checks_module_imports_only_the_standard_library() -> None:
    tree = ast.parse(Path(checks.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    roots = {name.split(".")[0] for name in imported}
    assert roots <= set(sys.stdlib_module_names) | {"__future__"}


# --- NHS number ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("943 476 5919", "9434765919"),
        ("469 819 4180", "4698194180"),
        ("401 023 2137", "4010232137"),
        ("4010232137", "4010232137"),
        ("943-476-5919", "9434765919"),
        ("  943 476 5919 ", "9434765919"),
    ],
)
def test_accepts_the_published_valid_nhs_numbers_with_or_without_separators(given: str, expected: str) -> None:
    assert normalise_nhs_number(given) == expected


@pytest.mark.parametrize("given", ["999 012 6704", "9990229651", "999-038-0112"])
def test_accepts_test_nhs_numbers_in_the_999_range_whose_check_digit_is_right(given: str) -> None:
    assert normalise_nhs_number(given) == given.replace(" ", "").replace("-", "")


def test_accepts_an_nhs_number_whose_check_value_of_11_means_a_check_digit_of_0() -> None:
    assert normalise_nhs_number("999 000 1480") == "9990001480"


@pytest.mark.parametrize("given", ["943 476 5918", "999 012 6705", "469 819 4181"])
def test_rejects_an_nhs_number_whose_check_digit_is_wrong(given: str) -> None:
    with pytest.raises(CheckFailed, match="check") as caught:
        normalise_nhs_number(given)
    assert caught.value.field == "child.nhs_number"


@pytest.mark.parametrize("given", ["999 000 0000", "999 000 0009", "999 000 3705"])
def test_rejects_an_nhs_number_whose_check_value_is_10_whatever_its_last_digit(given: str) -> None:
    with pytest.raises(CheckFailed, match="not a number the NHS issues"):
        normalise_nhs_number(given)


@pytest.mark.parametrize("given", ["943 476 591", "943 476 59190", "", "   "])
def test_rejects_an_nhs_number_with_the_wrong_number_of_digits(given: str) -> None:
    with pytest.raises(CheckFailed, match="10 digits"):
        normalise_nhs_number(given)


@pytest.mark.parametrize("given", ["943 476 591A", "943.476.5919", "+449434765919", "٩٤٣٤٧٦٥٩١٩"])
def test_rejects_an_nhs_number_holding_anything_but_ascii_digits_spaces_and_hyphens(given: str) -> None:
    with pytest.raises(CheckFailed, match="only digits"):
        normalise_nhs_number(given)


def test_names_the_field_it_was_given_when_an_nhs_number_fails() -> None:
    with pytest.raises(CheckFailed) as caught:
        normalise_nhs_number("943 476 5918", field="parent.nhs_number")
    assert caught.value.field == "parent.nhs_number"
    assert str(caught.value).startswith("parent.nhs_number: ")


# --- UPN ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("given", ["H801200001001", "B801200005001", "G80120000101A"])
def test_accepts_the_published_valid_upns_including_a_temporary_one(given: str) -> None:
    assert normalise_upn(given) == given


def test_upper_cases_a_upn_and_trims_surrounding_space() -> None:
    assert normalise_upn(" g80120000101a ") == "G80120000101A"


@pytest.mark.parametrize("given", ["Z801200001001", "G80120000101B", "H801200001002"])
def test_rejects_a_upn_whose_check_letter_does_not_match(given: str) -> None:
    with pytest.raises(CheckFailed, match="check") as caught:
        normalise_upn(given)
    assert caught.value.field == "child.upn"


@pytest.mark.parametrize("given", ["H80120000100", "H8012000010011", ""])
def test_rejects_a_upn_that_is_not_13_characters(given: str) -> None:
    with pytest.raises(CheckFailed, match="13 characters"):
        normalise_upn(given)


@pytest.mark.parametrize(
    "given",
    ["1801200001001", "I801200001001", "H80120000X001", "H80120000101O", "H80120000101S", "H801 00001001"],
)
def test_rejects_a_upn_whose_characters_are_out_of_place_or_never_used(given: str) -> None:
    with pytest.raises(CheckFailed, match="a letter, 11 digits"):
        normalise_upn(given)


# --- Postcode -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        ("SW1A 1AA", "SW1A 1AA"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("W1A 0AX", "W1A 0AX"),
        ("M1 1AE", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        (" dn55   1pt ", "DN55 1PT"),
        ("gir0aa", "GIR 0AA"),
    ],
)
def test_normalises_a_valid_postcode_to_upper_case_with_one_space(given: str, expected: str) -> None:
    assert normalise_postcode(given) == expected


@pytest.mark.parametrize(
    "given",
    ["SW1A 1A", "12345", "", "   ", "QA1 1AA", "SW1A 1AI", "M1 1CA", "SW1A 1AAA", "SW1A1AA1"],
)
def test_rejects_a_postcode_that_breaks_the_uk_format(given: str) -> None:
    with pytest.raises(CheckFailed, match="postcode") as caught:
        normalise_postcode(given)
    assert caught.value.field == "child.postcode"


# --- Ages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dob", "on", "months"),
    [
        (date(2024, 5, 10), date(2024, 5, 10), 0),
        (date(2024, 5, 10), date(2024, 6, 9), 0),
        (date(2024, 5, 10), date(2024, 6, 10), 1),
        (date(2024, 5, 10), date(2026, 11, 10), 30),
        (date(2025, 1, 31), date(2025, 2, 28), 0),
        (date(2025, 1, 31), date(2025, 3, 1), 1),
        (date(2020, 2, 29), date(2021, 2, 28), 11),
        (date(2020, 2, 29), date(2021, 3, 1), 12),
    ],
)
def test_counts_whole_months_completed_since_birth(dob: date, on: date, months: int) -> None:
    assert age_in_months(dob, on) == months


@pytest.mark.parametrize(
    ("dob", "starts"),
    [
        (date(2021, 1, 15), date(2026, 4, 1)),
        (date(2019, 2, 10), date(2024, 4, 1)),
        (date(2021, 1, 1), date(2026, 4, 1)),
        (date(2021, 3, 31), date(2026, 4, 1)),
        (date(2021, 4, 1), date(2026, 9, 1)),  # fifth birthday on a prescribed day: the next one
        (date(2021, 4, 2), date(2026, 9, 1)),
        (date(2021, 8, 31), date(2026, 9, 1)),
        (date(2021, 9, 1), date(2027, 1, 1)),
        (date(2021, 9, 2), date(2027, 1, 1)),
        (date(2021, 12, 30), date(2027, 1, 1)),
        (date(2021, 12, 31), date(2027, 1, 1)),
        (date(2020, 2, 29), date(2025, 4, 1)),
        (date(2019, 2, 28), date(2024, 4, 1)),
    ],
)
def test_compulsory_school_age_starts_on_the_1_january_1_april_or_1_september_after_the_fifth_birthday(
    dob: date, starts: date
) -> None:
    assert compulsory_school_age_from(dob) == starts


def test_a_child_is_not_of_compulsory_school_age_the_day_before_it_starts() -> None:
    assert not is_compulsory_school_age(date(2021, 1, 15), date(2026, 3, 31))
    assert is_compulsory_school_age(date(2021, 1, 15), date(2026, 4, 1))


def test_a_child_whose_fifth_birthday_is_a_prescribed_day_waits_for_the_next_one() -> None:
    assert not is_compulsory_school_age(date(2021, 4, 1), date(2026, 8, 31))
    assert is_compulsory_school_age(date(2021, 4, 1), date(2026, 9, 1))


def test_a_toddler_is_not_of_compulsory_school_age() -> None:
    assert not is_compulsory_school_age(date(2023, 6, 1), date(2025, 12, 1))


@pytest.mark.parametrize(
    ("dob", "last_day"),
    [
        (date(2010, 3, 10), date(2026, 6, 26)),  # turns 16 in spring: leaves that June
        (date(2010, 7, 15), date(2026, 6, 26)),  # summer-born: leaves at 15, before the birthday
        (date(2010, 10, 1), date(2027, 6, 25)),  # turns 16 in autumn: leaves the next June
        (date(2007, 9, 23), date(2024, 6, 28)),  # IPSEA's worked example
    ],
)
def test_compulsory_school_age_ends_on_the_last_friday_in_june_of_the_school_year_the_child_turns_16(
    dob: date, last_day: date
) -> None:
    assert is_compulsory_school_age(dob, last_day)
    assert not is_compulsory_school_age(dob, date.fromordinal(last_day.toordinal() + 1))


# --- Date of birth and expected delivery date ---------------------------------------------------

RECEIVED = date(2025, 6, 15)


@pytest.mark.parametrize("dob", [RECEIVED, date(2022, 1, 1), date(2000, 6, 16)])
def test_accepts_a_date_of_birth_from_today_back_to_age_24_without_warnings(dob: date) -> None:
    assert check_date_of_birth(dob, RECEIVED) == []


def test_rejects_a_date_of_birth_in_the_future_and_points_to_the_expected_delivery_date() -> None:
    with pytest.raises(CheckFailed, match="expected_delivery_date") as caught:
        check_date_of_birth(date(2025, 6, 16), RECEIVED)
    assert caught.value.field == "child.date_of_birth"


@pytest.mark.parametrize("dob", [date(2000, 6, 15), date(1999, 6, 16)])
def test_warns_when_the_child_is_25_on_the_day_received(dob: date) -> None:
    warnings = check_date_of_birth(dob, RECEIVED)
    assert len(warnings) == 1
    assert warnings[0].startswith("aged 25: the SEND system covers up to 25")


@pytest.mark.parametrize("dob", [date(1999, 6, 15), date(1980, 1, 1)])
def test_rejects_a_young_person_aged_26_or_over_on_the_day_received(dob: date) -> None:
    with pytest.raises(CheckFailed, match="26 or over"):
        check_date_of_birth(dob, RECEIVED, field="young_person.date_of_birth")


@pytest.mark.parametrize("edd", [RECEIVED, date(2025, 9, 1), date(2026, 4, 15)])
def test_accepts_an_expected_delivery_date_from_today_to_10_months_ahead(edd: date) -> None:
    check_expected_delivery_date(edd, RECEIVED)


def test_rejects_an_expected_delivery_date_that_has_passed() -> None:
    with pytest.raises(CheckFailed, match="has passed") as caught:
        check_expected_delivery_date(date(2025, 6, 14), RECEIVED)
    assert caught.value.field == "child.expected_delivery_date"


def test_rejects_an_expected_delivery_date_more_than_10_months_ahead() -> None:
    with pytest.raises(CheckFailed, match="10 months"):
        check_expected_delivery_date(date(2026, 4, 16), RECEIVED)


# --- Need codes and ranges ----------------------------------------------------------------------


def test_lists_every_need_code_in_the_send_rules_with_its_area() -> None:
    assert set(NEED_CODES) == {
        "SPLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "ASD", "HI", "VI", "MSI", "PD", "DS", "OTH", "NSA",
    }  # fmt: skip
    assert {NEED_CODES[c] for c in ("SPLD", "MLD", "SLD", "PMLD")} == {"C&L"}
    assert {NEED_CODES[c] for c in ("SLCN", "ASD")} == {"C&I"}
    assert {NEED_CODES[c] for c in ("HI", "VI", "MSI", "PD")} == {"S&P"}
    assert NEED_CODES["SEMH"] == "SEMH"
    assert NEED_CODES["DS"] == "cross-cutting"
    assert NEED_CODES["OTH"] is None
    assert NEED_CODES["NSA"] is None


def test_maps_every_need_code_to_one_of_the_four_areas_or_to_none_of_them() -> None:
    assert AREAS == ("C&I", "C&L", "SEMH", "S&P")
    assert set(NEED_CODES.values()) <= {*AREAS, "cross-cutting", None}


def test_upper_cases_need_codes_and_keeps_their_order() -> None:
    assert check_need_codes(["slcn", " Asd", "DS", "oth"]) == ["SLCN", "ASD", "DS", "OTH"]


def test_accepts_an_empty_list_of_need_codes() -> None:
    assert check_need_codes([]) == []


def test_rejects_an_unknown_need_code_naming_its_position() -> None:
    with pytest.raises(CheckFailed, match="not a known need code") as caught:
        check_need_codes(["ASD", "DYSLEXIA"])
    assert caught.value.field == "concern.need_codes[1]"


def test_rejects_a_need_code_that_is_not_text() -> None:
    with pytest.raises(CheckFailed) as caught:
        check_need_codes([None])  # type: ignore[list-item]
    assert caught.value.field == "concern.need_codes[0]"


def test_rejects_a_need_code_given_twice_even_in_another_case() -> None:
    with pytest.raises(CheckFailed, match="already listed") as caught:
        check_need_codes(["ASD", "SLCN", "asd"])
    assert caught.value.field == "concern.need_codes[2]"


def test_rejects_the_census_only_code_nsa_on_a_referral() -> None:
    with pytest.raises(CheckFailed, match="census") as caught:
        check_need_codes(["SEMH", "nsa"], field="referral.need_codes")
    assert caught.value.field == "referral.need_codes[1]"


@pytest.mark.parametrize("value", [1, 4, 7])
def test_accepts_a_range_from_1_to_7(value: int) -> None:
    assert check_range(value, "ranges.C&L") == value


@pytest.mark.parametrize("value", [0, 8, -1, True, "3", 3.0])
def test_rejects_a_range_outside_1_to_7_or_not_a_whole_number(value: object) -> None:
    with pytest.raises(CheckFailed) as caught:
        check_range(value, "ranges.SEMH")  # type: ignore[arg-type]
    assert caught.value.field == "ranges.SEMH"


# --- Organisation codes -------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "expected"), [("rj1", "RJ1"), ("A81001", "A81001"), (" 8hv48 ", "8HV48")])
def test_accepts_an_ods_code_of_3_to_10_letters_or_digits_upper_cased(given: str, expected: str) -> None:
    assert check_ods_code(given, "referrer.ods_code") == expected


@pytest.mark.parametrize("given", ["RJ", "A810010000X", "RJ-1", "", "RJ 1", "ŘJ1"])
def test_rejects_an_ods_code_of_the_wrong_length_or_characters(given: str) -> None:
    with pytest.raises(CheckFailed, match="ODS code") as caught:
        check_ods_code(given, "referrer.ods_code")
    assert caught.value.field == "referrer.ods_code"


@pytest.mark.parametrize("given", ["100000", "1234567", " 145203 "])
def test_accepts_a_school_urn_of_6_or_7_digits(given: str) -> None:
    assert check_school_urn(given, "setting.urn") == given.strip()


@pytest.mark.parametrize("given", ["12345", "12345678", "10000A", "", "١٢٣٤٥٦"])
def test_rejects_a_school_urn_that_is_not_6_or_7_ascii_digits(given: str) -> None:
    with pytest.raises(CheckFailed, match="URN"):
        check_school_urn(given, "setting.urn")


# --- Free text ----------------------------------------------------------------------------------


def test_strips_free_text_and_keeps_its_newlines_and_tabs() -> None:
    assert check_text("  Not talking yet.\n\tUses gestures.  ", "concern.summary", max_len=100) == (
        "Not talking yet.\n\tUses gestures."
    )


def test_folds_browser_line_breaks_to_newlines() -> None:
    assert check_text("one\r\ntwo\rthree", "concern.summary", max_len=100) == "one\ntwo\nthree"


@pytest.mark.parametrize("control", ["\x00", "\x1b", "\x07", "\x7f", "\x85"])
def test_rejects_free_text_holding_control_characters(control: str) -> None:
    with pytest.raises(CheckFailed, match="control characters"):
        check_text(f"hello{control}world", "concern.summary", max_len=100)


@pytest.mark.parametrize("given", ["", "   ", "\n\t"])
def test_rejects_free_text_that_is_blank(given: str) -> None:
    with pytest.raises(CheckFailed, match="at least 1"):
        check_text(given, "concern.summary", max_len=100)


def test_rejects_free_text_shorter_than_its_minimum() -> None:
    with pytest.raises(CheckFailed, match="at least 20"):
        check_text("too short", "concern.summary", max_len=100, min_len=20)


def test_accepts_free_text_of_exactly_the_maximum_length_and_rejects_one_more() -> None:
    assert check_text("x" * 10, "concern.summary", max_len=10) == "x" * 10
    with pytest.raises(CheckFailed, match="10 characters or fewer"):
        check_text("x" * 11, "concern.summary", max_len=10)


# --- Failure messages never echo the input ------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "bad"),
    [
        (normalise_nhs_number, "943 476 5918"),
        (normalise_nhs_number, "9434765918"),
        (normalise_nhs_number, "94347659"),
        (normalise_nhs_number, "94347A5919"),
        (normalise_nhs_number, "9990000000"),
        (normalise_upn, "Z801200001001"),
        (normalise_upn, "H80120000X001"),
        (normalise_upn, "H8012"),
        (normalise_postcode, "SW1A 1A"),
        (normalise_postcode, "12345"),
        (normalise_postcode, "ZZ99 9ZZQ"),
        (lambda v: check_need_codes(["ASD", v]), "DYSLEXIA"),
        (lambda v: check_ods_code(v, "referrer.ods_code"), "RJ-1"),
        (lambda v: check_school_urn(v, "setting.urn"), "98765"),
        (lambda v: check_text(v, "concern.summary", max_len=100), "Jamie\x00Smith"),
        (lambda v: check_text(v, "concern.summary", max_len=5), "Jamie Smith"),
    ],
)
def test_a_failure_message_never_contains_the_bad_value(check: Callable[[str], object], bad: str) -> None:
    with pytest.raises(CheckFailed) as caught:
        check(bad)
    message = str(caught.value).upper()
    for fragment in {bad, bad.replace(" ", ""), *bad.split("\x00")}:
        assert fragment.upper() not in message


def test_a_date_of_birth_failure_never_contains_the_date() -> None:
    dob = date(1990, 3, 7)
    with pytest.raises(CheckFailed) as caught:
        check_date_of_birth(dob, RECEIVED)
    message = str(caught.value)
    assert dob.isoformat() not in message
    assert "1990" not in message
