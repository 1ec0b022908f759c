"""The GOV.UK Notify channel speaks Notify's REST API: a signed JWT, one generic template per
channel, the rendered text as personalisation, and only our opaque id as `reference`."""

from __future__ import annotations

import json
import uuid

import httpx
import jwt
import pytest

from notifications.adapters.channels.base import OutgoingMessage, PermanentFailure, TemporaryFailure
from notifications.adapters.channels.notify import NotifyChannel
from notifications.adapters.channels.notify_jwt import split_api_key

SERVICE_ID, SECRET = str(uuid.uuid4()), str(uuid.uuid4())
API_KEY = f"frontdoor_test-{SERVICE_ID}-{SECRET}"
TEMPLATES = {"email": str(uuid.uuid4()), "sms": str(uuid.uuid4()), "letter": str(uuid.uuid4())}


def _channel(handler) -> tuple[NotifyChannel, list[httpx.Request]]:  # type: ignore[no-untyped-def]
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    return NotifyChannel(api_key=API_KEY, base_url="https://notify.test", templates=TEMPLATES,
                         transport=httpx.MockTransport(record)), seen


def _created(request: httpx.Request) -> httpx.Response:
    return httpx.Response(201, json={"id": "notify-1", "reference": json.loads(request.content)["reference"]})


def _message(kind: str, to: str) -> OutgoingMessage:
    return OutgoingMessage(uuid.uuid4(), kind, to, "Amara is on the panel's list", "Dear Grace Testparent,\n\nBody")


def test_the_api_key_splits_into_service_id_and_secret() -> None:
    assert split_api_key(API_KEY) == (SERVICE_ID, SECRET)


async def test_an_email_is_posted_with_a_signed_token_and_only_our_id_as_reference() -> None:
    channel, seen = _channel(_created)
    message = _message("email", "grace.testparent@example.com")
    result = await channel.send(message)
    request = seen[0]
    body = json.loads(request.content)
    claims = jwt.decode(request.headers["Authorization"].removeprefix("Bearer "), SECRET, algorithms=["HS256"])
    assert (request.method, request.url.path) == ("POST", "/v2/notifications/email")
    assert claims["iss"] == SERVICE_ID
    assert isinstance(claims["iat"], int)
    assert body == {"template_id": TEMPLATES["email"], "reference": str(message.id),
                    "email_address": "grace.testparent@example.com",
                    "personalisation": {"subject": message.subject, "body": message.body}}
    assert (result.provider_id, result.status) == ("notify-1", "sent")


async def test_a_letter_carries_the_address_in_lines_and_a_text_the_short_form() -> None:
    channel, seen = _channel(_created)
    await channel.send(_message("letter", "Grace Testparent, 1 Test Street, Testtown, TE1 1ST"))
    await channel.send(_message("sms", "07700 900123"))
    letter, sms = (json.loads(r.content) for r in seen)
    assert letter["personalisation"]["address_line_1"] == "Grace Testparent"
    assert letter["personalisation"]["address_line_4"] == "TE1 1ST"
    assert sms["phone_number"] == "07700 900123"
    assert sms["personalisation"]["body"].startswith("Amara is on the panel's list\n\nDear")


@pytest.mark.parametrize(("status", "error"), [(500, TemporaryFailure), (503, TemporaryFailure),
                                               (429, TemporaryFailure), (403, TemporaryFailure),
                                               (400, PermanentFailure)])
async def test_a_refusal_is_temporary_or_permanent_and_never_quotes_the_address(status: int, error: type) -> None:
    answer = {"status_code": status, "errors": [{"error": "BadRequestError",
                                                 "message": "phone_number 07700 900123 is not valid"}]}
    channel, _ = _channel(lambda _: httpx.Response(status, json=answer))
    with pytest.raises(error) as raised:
        await channel.send(_message("sms", "07700 900123"))
    assert "07700" not in str(raised.value)


async def test_a_timeout_is_temporary() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    channel, _ = _channel(slow)
    with pytest.raises(TemporaryFailure):
        await channel.send(_message("email", "grace.testparent@example.com"))


async def test_find_returns_a_notification_notify_already_has_unless_it_failed() -> None:
    message_id = uuid.uuid4()
    answers = iter([[{"id": "n-1", "reference": str(message_id), "status": "sending"}],
                    [{"id": "n-1", "reference": str(message_id), "status": "permanent-failure"}], []])
    channel, seen = _channel(lambda _: httpx.Response(200, json={"notifications": next(answers), "links": {}}))
    found = await channel.find(message_id)
    assert found is not None
    assert found.provider_id == "n-1"
    assert await channel.find(message_id) is None
    assert await channel.find(message_id) is None
    assert seen[0].url.params["reference"] == str(message_id)
