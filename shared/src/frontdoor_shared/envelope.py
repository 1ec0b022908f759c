"""CloudEvents 1.0, structured JSON mode: the envelope of every event on every topic.

`id` is unique per event and is what the inbox records; `subject` is the concern (or case)
reference; `correlationid`/`causationid` are CloudEvents extension attributes that let one
child's journey be followed across services without putting anything about the child in logs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from frontdoor_shared.contracts.base import Contract
from frontdoor_shared.errors import InvalidEvent
from frontdoor_shared.ids import new_id

MAX_EVENT_BYTES = 256 * 1024


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 event. Unknown extension attributes are kept, as the spec asks."""

    model_config = ConfigDict(extra="allow")

    specversion: Literal["1.0"] = Field(description="CloudEvents version; always 1.0")
    id: str = Field(min_length=1, max_length=200, description="Unique per source; the inbox key")
    source: str = Field(min_length=1, max_length=500, description="URI-reference of the producer")
    type: str = Field(min_length=1, max_length=200, description="Reverse-DNS event type with version")
    subject: str | None = Field(default=None, max_length=200, description="Concern or case reference")
    time: datetime | None = Field(default=None, description="When the occurrence happened (RFC 3339)")
    datacontenttype: str | None = Field(default="application/json", description="Media type of data")
    dataschema: str | None = Field(default=None, description="URI of the JSON Schema of data")
    correlationid: str | None = Field(default=None, max_length=200, description="Journey id")
    causationid: str | None = Field(default=None, max_length=200, description="The event that caused it")
    data: Any = Field(default=None, description="The event payload, per the contract for `type`")

    def to_bytes(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()


def new_event(
    contract: Contract,
    *,
    source: str,
    subject: str,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    event_id: str | None = None,
    time: datetime | None = None,
) -> CloudEvent:
    """Wrap a contract payload in a fresh envelope."""
    eid = event_id or str(new_id())
    return CloudEvent(
        specversion="1.0",
        id=eid,
        source=source,
        type=contract.TYPE,
        subject=subject,
        time=time or datetime.now(UTC),
        datacontenttype="application/json",
        dataschema=f"https://frontdoor.example/schemas/{contract.TYPE}.json",
        correlationid=correlation_id or eid,
        causationid=causation_id,
        data=contract.model_dump(mode="json"),
    )


def describe_validation_error(err: ValidationError, prefix: str = "") -> str:
    """Name each bad field and why, without echoing the input (it may hold identifiers)."""
    parts = []
    for item in err.errors(include_input=False, include_url=False):
        loc = ".".join(str(p) for p in (prefix, *item["loc"]) if p != "")
        parts.append(f"{loc or '(root)'}: {item['msg']}")
    return "; ".join(parts)


def parse_event(raw: bytes | None) -> CloudEvent:
    """Parse a structured-mode CloudEvent, or raise InvalidEvent saying what is wrong."""
    if raw is None or raw == b"":
        raise InvalidEvent("empty message: expected a CloudEvents 1.0 JSON object")
    if len(raw) > MAX_EVENT_BYTES:
        raise InvalidEvent(f"event is {len(raw)} bytes; the limit is {MAX_EVENT_BYTES}")
    try:
        return CloudEvent.model_validate_json(raw)
    except ValidationError as err:
        raise InvalidEvent(describe_validation_error(err)) from None


def parse_data(event: CloudEvent, contract: type[Contract]) -> Any:
    """Validate the event's data against the contract for its type."""
    if event.type != contract.TYPE:
        raise InvalidEvent(f"type: expected {contract.TYPE}, got {event.type[:100]}")
    try:
        return contract.model_validate(event.data)
    except ValidationError as err:
        raise InvalidEvent(describe_validation_error(err, "data")) from None
