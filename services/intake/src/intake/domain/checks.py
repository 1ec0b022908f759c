"""Checks on what a referrer tells intake: identifiers, dates, need codes and free text.

Plain Python (standard library only): every channel (web form, JSON API, FHIR, partner events)
runs the same checks, and the unit tests need no framework. The rules come from
/work/shared/domain/send-rules.md.

Each check either returns the value in its one canonical form or raises `CheckFailed`. A
failure names the field and says how to put it right, but never repeats the value: these
messages reach logs and dead-letter headers, where an NHS number or a date of birth must not.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta


class CheckFailed(ValueError):
    """A value failed a check. `str(e)` is "<field>: <reason>", safe to log and to show."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


# --- NHS number -------------------------------------------------------------------------------

# Spaces and hyphens are how people copy NHS numbers from letters ("943 476 5919", "943-476-5919").
_NHS_SEPARATORS = re.compile(r"[\s-]")
_DIGITS = re.compile(r"[0-9]*")


def normalise_nhs_number(value: str, field: str = "child.nhs_number") -> str:
    """Return the 10 digits of a valid NHS number, spaces and hyphens removed.

    The check digit is modulus 11: digits 1-9 weighted 10 down to 2, check = 11 - (sum mod 11),
    where 11 means 0 and 10 means no number was ever issued with those nine digits.
    Numbers in the 999 range pass when their check digit is right: they are test data.
    """
    digits = _NHS_SEPARATORS.sub("", value)
    if not _DIGITS.fullmatch(digits):  # ASCII only: "٣" is a digit to str.isdigit()
        raise CheckFailed(field, "an NHS number has only digits (spaces or hyphens are allowed)")
    if len(digits) != 10:
        raise CheckFailed(field, "an NHS number has 10 digits; check none is missing or extra")
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 10:
        raise CheckFailed(field, "this is not a number the NHS issues; check each digit again")
    if check % 11 != int(digits[9]):  # 11 means a check digit of 0
        raise CheckFailed(field, "the last (check) digit does not match; a digit is mistyped")
    return digits


# --- UPN (unique pupil number) ----------------------------------------------------------------

# Value of each check letter (0..22). I, O and S are never used, so they cannot be misread.
_UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
# Check letter, 11 digits (council code, year, serial), then a digit or, in a temporary UPN,
# a letter from the same table.
_UPN_SHAPE = re.compile(rf"[{_UPN_LETTERS}][0-9]{{11}}[0-9{_UPN_LETTERS}]")


def normalise_upn(value: str, field: str = "child.upn") -> str:
    """Return a valid UPN upper-cased: 13 characters whose first is the check letter.

    Characters 2-13 are weighted by their position (2..13); the sum mod 23, mapped through
    `_UPN_LETTERS`, must equal character 1. A letter in position 13 (temporary UPN) counts as
    its value in the same table.
    """
    upn = value.strip().upper()
    if len(upn) != 13:
        raise CheckFailed(field, "a UPN has 13 characters; check none is missing or extra")
    if not _UPN_SHAPE.fullmatch(upn):
        raise CheckFailed(field, "a UPN is a letter, 11 digits, then a digit or letter (no I, O or S)")
    total = sum(_upn_value(c) * pos for pos, c in enumerate(upn[1:], start=2))
    if _UPN_LETTERS[total % 23] != upn[0]:
        raise CheckFailed(field, "the first (check) letter does not match; a character is mistyped")
    return upn


def _upn_value(char: str) -> int:
    """A digit counts as itself; a letter (temporary UPN) as its place in `_UPN_LETTERS`."""
    return int(char) if char.isdigit() else _UPN_LETTERS.index(char)


# --- Postcode ---------------------------------------------------------------------------------

# The GOV.UK data standard postcode pattern (with its letter-position rules: no Q, V or X
# first; no I, J or Z second; restricted letters after a digit; no C, I, K, M, O or V in the
# inward code) for the canonical form "OUTWARD INWARD". It checks the shape only: a postcode
# that passes may still not exist.
_POSTCODE = re.compile(
    r"GIR 0AA"
    r"|(?:[A-PR-UWYZ][0-9][0-9]?"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
    r" [0-9][ABD-HJLNP-UW-Z]{2}"
)


def normalise_postcode(value: str, field: str = "child.postcode") -> str:
    """Return a UK postcode upper-cased with one space before the inward code ("SW1A 1AA")."""
    compact = re.sub(r"\s", "", value).upper()
    postcode = f"{compact[:-3]} {compact[-3:]}"
    if not _POSTCODE.fullmatch(postcode):
        raise CheckFailed(field, "enter a full UK postcode: 2 to 4 characters, a space, then a digit and 2 letters")
    return postcode


# --- Ages and dates ---------------------------------------------------------------------------


def _months_later(start: date, months: int) -> date:
    """The date `months` whole months after `start`.

    When that month has no such day (31st, or 29 February in a common year) the anniversary
    is taken as the 1st of the next month: a child born on 29 February turns five on 1 March
    in a common year. No statute settles the leap-day case (verify): 1 March means the child
    has lived the full five years, and for compulsory school age 28 February or 1 March give
    the same answer (31 March) anyway.
    """
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    try:
        return date(year, month + 1, start.day)
    except ValueError:
        return date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)


def age_in_months(dob: date, on: date) -> int:
    """Whole months completed from `dob` to `on` (0 for a newborn; negative before birth)."""
    months = (on.year - dob.year) * 12 + on.month - dob.month
    # A month completes on the same day-of-month; a missing day (31st) rolls to the 1st.
    return months - 1 if on.day < dob.day else months


def _age_in_years(dob: date, on: date) -> int:
    """Whole years completed from `dob` to `on`."""
    return age_in_months(dob, on) // 12


# The prescribed days for Education Act 1996 s.8(2) are 31 March, 31 August and 31 December
# (Education (Start of Compulsory School Age) Order 1998; GOV.UK and IPSEA say the same).
# send-rules.md says 1 January, 1 April and 1 September, the first days of the terms that
# follow; that reading makes a child born on 1 April of compulsory school age five months early,
# so the statutory days are used here (verify with the council's admissions team).
# The start of compulsory school age as the council's guidance states it (send-rules.md): the
# 1 January, 1 April or 1 September AFTER the fifth birthday. The Education (Start of Compulsory
# School Age) Order 1998 prescribes 31 December, 31 March and 31 August, "on or after": the two
# agree except on that single prescribed day itself, which the law counts and this rule does not
# (verify with the council's legal team; the days live here, in one place, to change together).
PRESCRIBED_DAYS = ((1, 1), (4, 1), (9, 1))


def compulsory_school_age_from(dob: date) -> date:
    """The day a child becomes of compulsory school age: the prescribed day after their fifth birthday."""
    fifth = _months_later(dob, 60)
    candidates = [date(year, m, d) for year in (fifth.year, fifth.year + 1) for m, d in PRESCRIBED_DAYS]
    return next(day for day in candidates if day > fifth)


def _compulsory_school_age_ends(dob: date) -> date:
    """The last day of compulsory school age: a school leaving date (last Friday in June).

    Education Act 1996 s.8(3): the leaving date of the school year in which the child turns 16
    (school years start on 1 September), so summer-born children leave at 15 (verify).
    """
    sixteenth = _months_later(dob, 192)
    year = sixteenth.year + 1 if sixteenth.month >= 9 else sixteenth.year
    june_30 = date(year, 6, 30)
    return june_30 - timedelta(days=(june_30.weekday() - 4) % 7)  # Friday is weekday 4


def is_compulsory_school_age(dob: date, on: date) -> bool:
    """Whether the child is of compulsory school age on `on` (from age 5 to the leaving date)."""
    return compulsory_school_age_from(dob) <= on <= _compulsory_school_age_ends(dob)


# The SEND system covers children and young people from birth to 25 (CFA 2014 s.83(2)).
_SEND_MAX_AGE = 25


def check_date_of_birth(dob: date, received: date, field: str = "child.date_of_birth") -> list[str]:
    """Reject a birth date in the future or an age of 26 or over; return any warnings.

    Age is taken on the day the concern was received, the day the statutory clocks start.
    """
    if dob > received:
        raise CheckFailed(field, "this date is in the future; for an unborn child give expected_delivery_date")
    age = _age_in_years(dob, received)
    if age > _SEND_MAX_AGE:
        raise CheckFailed(field, "the child is 26 or over; the SEND system covers ages 0 to 25")
    if age == _SEND_MAX_AGE:
        return ["aged 25: the SEND system covers up to 25, so support ends at 26"]
    return []


# A pregnancy lasts about nine months; ten gives room for an early concern and a late baby.
_EDD_MAX_MONTHS_AHEAD = 10


def check_expected_delivery_date(edd: date, received: date, field: str = "child.expected_delivery_date") -> None:
    """An expected delivery date must be today or later, and at most 10 months ahead."""
    if edd < received:
        raise CheckFailed(field, "the expected delivery date has passed; give the date of birth instead")
    if edd > _months_later(received, _EDD_MAX_MONTHS_AHEAD):
        raise CheckFailed(field, "the expected delivery date is more than 10 months ahead")


# --- Need codes and ranges --------------------------------------------------------------------

# The four broad areas of need (SEND Code of Practice 6.28).
AREAS = ("C&I", "C&L", "SEMH", "S&P")

# Need code -> broad area. DS (Down syndrome) spans areas; OTH and NSA belong to none (None).
NEED_CODES: dict[str, str | None] = {
    "SPLD": "C&L",
    "MLD": "C&L",
    "SLD": "C&L",
    "PMLD": "C&L",
    "SEMH": "SEMH",
    "SLCN": "C&I",
    "ASD": "C&I",
    "HI": "S&P",
    "VI": "S&P",
    "MSI": "S&P",
    "PD": "S&P",
    "DS": "cross-cutting",
    "OTH": None,
    "NSA": None,
}

# NSA says "no specialist assessment of type" in the school census; a referral names a need.
_CENSUS_ONLY_CODES = frozenset({"NSA"})


def check_need_codes(codes: list[str], field: str = "concern.need_codes") -> list[str]:
    """Return the need codes upper-cased, each known, none repeated, none census-only.

    A failure names the position, e.g. "concern.need_codes[1]". An empty list passes: whether
    a need code is required is the caller's rule.
    """
    seen: list[str] = []
    for index, raw in enumerate(codes):
        where = f"{field}[{index}]"
        code = raw.strip().upper() if isinstance(raw, str) else ""
        if code not in NEED_CODES:
            raise CheckFailed(where, "not a known need code; use one of " + ", ".join(NEED_CODES))
        if code in _CENSUS_ONLY_CODES:
            raise CheckFailed(where, "NSA is for the school census only; choose a need, or OTH")
        if code in seen:
            raise CheckFailed(where, "this need code is already listed; give each one once")
        seen.append(code)
    return seen


_RANGE_MIN, _RANGE_MAX = 1, 7


def check_range(value: int, field: str) -> int:
    """A range (level of need on the council's scale) is a whole number from 1 to 7."""
    # bool is an int in Python; True must not pass as range 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise CheckFailed(field, "a range is a whole number from 1 to 7")
    if not _RANGE_MIN <= value <= _RANGE_MAX:
        raise CheckFailed(field, "a range is from 1 (universal) to 7 (highly specialist)")
    return value


# --- Organisation codes -----------------------------------------------------------------------

_ODS_CODE = re.compile(r"[A-Z0-9]{3,10}")
_SCHOOL_URN = re.compile(r"[0-9]{6,7}")


def check_ods_code(value: str, field: str) -> str:
    """Return an NHS ODS organisation code upper-cased: 3 to 10 letters or digits."""
    code = value.strip().upper()
    if not (code.isascii() and _ODS_CODE.fullmatch(code)):
        raise CheckFailed(field, "an ODS code is 3 to 10 letters or digits, such as RJ1 or A81001")
    return code


def check_school_urn(value: str, field: str) -> str:
    """Return a school URN (unique reference number): 6 digits, or 7 for some newer ones."""
    urn = value.strip()
    if not (urn.isascii() and _SCHOOL_URN.fullmatch(urn)):
        raise CheckFailed(field, "a school URN is 6 or 7 digits; find it on Get Information about Schools")
    return urn


# --- Free text --------------------------------------------------------------------------------

# Newline and tab are the only control characters people type on purpose.
_ALLOWED_CONTROLS = frozenset("\n\t")


def check_text(value: str, field: str, *, max_len: int, min_len: int = 1) -> str:
    """Return free text stripped, with line breaks as "\\n", between min_len and max_len long."""
    # Browsers send textarea line breaks as CRLF: fold them to "\n" rather than reject them.
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if any(c not in _ALLOWED_CONTROLS and unicodedata.category(c) == "Cc" for c in text):
        raise CheckFailed(field, "the text holds hidden control characters; retype or paste it again")
    if len(text) < min_len:
        raise CheckFailed(field, f"write at least {min_len} characters")
    if len(text) > max_len:
        raise CheckFailed(field, f"shorten this to {max_len} characters or fewer")
    return text
