"""The JSON written for columns, sealed and encrypted fields and headers reads back as the standard
library's would have written it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from frontdoor_shared import jsontext

CASES: list[Any] = [
    {"outcome": "routed", "pathway": "slcn", "priority": "routine", "missing": [], "policy_version": "2026-09",
     "reasons": [{"rule": "slcn-range-3", "text": "Communication and interaction at range 3: speech first."}]},
    {"ce_type": "uk.frontdoor.intake.concern.submitted.v1", "ce_id": "01a22b9a-6d3f-767f-a137-44b3c0bf3b42",
     "content-type": "application/cloudevents+json"},
    {"carers": [{"given_name": "Siân", "family_name": "Ó Briain", "email": "sian@example.com"}],
     "note": "naïve café \u2013 \u201cquoted\u201d \u2028 line\nbreak \"and\" back\\slash", "emoji": "\U0001f600"},
    {"n": 1, "x": 2.5, "big": 10**18, "small": 1e-7, "t": True, "f": False, "none": None, "empty": {}},
    {1: "a number key", "nested": {2: [1, 2, {"3": 3}]}},
    [], "plain text", 0,
]


@pytest.mark.parametrize("value", CASES)
def test_the_text_reads_back_as_the_standard_librarys_would(value: Any) -> None:
    assert json.loads(jsontext.dumps(value)) == json.loads(json.dumps(value))
    assert json.loads(jsontext.dumps_bytes(value)) == json.loads(json.dumps(value))
    assert jsontext.dumps_bytes(value).decode() == jsontext.dumps(value)


def test_it_is_compact_utf8() -> None:
    assert jsontext.dumps({"a": [1, 2], "b": "é"}) == '{"a":[1,2],"b":"é"}'
