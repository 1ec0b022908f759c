"""The ids Front Door mints are UUIDv7: made later, they sort later (as UUIDs and as the text the
inbox and outbox keep), so PostgreSQL's indexes on them grow at one edge (`frontdoor_shared.ids`)."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import Field

from frontdoor_shared.contracts.base import Contract
from frontdoor_shared.envelope import new_event
from frontdoor_shared.ids import new_id


class _Happened(Contract):
    TYPE: ClassVar[str] = "uk.frontdoor.test.ids.v1"
    TOPIC: ClassVar[str] = "test.ids.v1"
    VERSION: ClassVar[int] = 1
    n: int = Field(description="A number")


def test_new_ids_are_version_7_standard_uuids_in_the_order_made() -> None:
    ids = [new_id() for _ in range(5000)]
    assert {type(i) for i in ids} == {uuid.UUID}
    assert {i.version for i in ids} == {7}
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_an_events_id_is_a_uuid7_and_later_events_sort_after_earlier_ones_as_text() -> None:
    ids = [new_event(_Happened(n=n), source="urn:test", subject="S-1").id for n in range(2000)]
    assert {uuid.UUID(i).version for i in ids} == {7}
    assert ids == sorted(ids)  # the inbox and outbox keep them as text
