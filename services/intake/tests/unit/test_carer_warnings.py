"""A parent or carer the family gave with no way to reach them is accepted, and whoever submitted
is told by field that they will not be written to (the API's warnings; the form's check page).
Every submission warning starts with its field, so the FHIR door can name the element."""

from __future__ import annotations

from datetime import date
from typing import Any

from intake.service_layer.schemas import ConcernIn
from intake.service_layer.submit import carer_warnings, check_dates
from tests.support import a_concern


def _with_carers(*others: dict[str, Any]) -> ConcernIn:
    body = a_concern()
    body["family"]["carers"] += [{"given_name": "Sam", "family_name": "Testparent", "relationship": "father",
                                  **o} for o in others]
    return ConcernIn.model_validate(body)


def test_a_second_carer_without_contact_details_is_named_by_field_not_by_name() -> None:
    warnings = carer_warnings(_with_carers({}))
    assert len(warnings) == 1
    assert warnings[0].startswith("family.carers.1: no email, mobile number or postal address")
    assert "will not be told" in warnings[0]
    assert "Sam" not in warnings[0]


def test_each_unreachable_carer_is_listed_and_reachable_ones_are_not() -> None:
    concern = _with_carers({"address": "1 Test Street, Leeds LS1 4AP"}, {}, {"phone": "07700 900456"}, )
    assert [w.split(":")[0] for w in carer_warnings(concern)] == ["family.carers.2"]
    assert carer_warnings(_with_carers({"email": "sam@example.com"})) == []
    assert carer_warnings(_with_carers()) == []


def test_the_age_warning_starts_with_its_field_too() -> None:
    body = a_concern()
    body["child"]["date_of_birth"] = "2001-03-01"  # 25 on the day received
    warnings = check_dates(ConcernIn.model_validate(body), date(2026, 11, 29))
    assert len(warnings) == 1
    assert warnings[0].startswith("child.date_of_birth: aged 25: the SEND system covers up to 25")
