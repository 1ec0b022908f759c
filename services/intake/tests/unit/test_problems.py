"""Validation failures name a field and never a character position or a value."""

from __future__ import annotations

from intake.service_layer.problems import problems


def test_a_body_that_is_not_json_is_reported_as_the_body_not_a_character_position() -> None:
    err = {"type": "json_invalid", "loc": ("body", 1), "msg": "JSON decode error", "ctx": {"error": "Expecting value"}}
    assert problems([err]) == [{"field": "(body)", "reason": "the body is not valid JSON (JSON decode error)"}]


def test_a_field_error_names_the_dotted_field() -> None:
    err = {"type": "missing", "loc": ("body", "child", "postcode"), "msg": "Field required"}
    assert problems([err]) == [{"field": "child.postcode", "reason": "Field required"}]
