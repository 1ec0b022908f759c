"""GOV.UK Notify over its REST API (v2), with httpx so the event loop never blocks.

Notify is given one generic template per channel with ((subject)) and ((body)), the rendered
text, the address, and `reference` = our message's UUID: an opaque id, never a name.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import structlog

from notifications.adapters.channels.base import ChannelResult, OutgoingMessage, PermanentFailure, TemporaryFailure
from notifications.adapters.channels.notify_jwt import notify_token
from notifications.domain.delivery import FAILED_AT_PROVIDER
from notifications.domain.routes import address_lines, sms_text

log = structlog.get_logger()


class NotifyChannel:
    name = "notify"
    kinds = frozenset({"email", "sms", "letter"})

    def __init__(self, *, api_key: str, base_url: str, templates: dict[str, str], timeout: float = 10.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._api_key = api_key
        self._templates = templates
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport,
                                         headers={"User-Agent": "frontdoor-notifications/1.0"})

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {notify_token(self._api_key)}"}

    def payload(self, message: OutgoingMessage) -> dict[str, Any]:
        base = {"template_id": self._templates[message.kind], "reference": str(message.id)}
        if message.kind == "email":
            return {**base, "email_address": message.to,
                    "personalisation": {"subject": message.subject, "body": message.body}}
        if message.kind == "sms":
            return {**base, "phone_number": message.to,
                    "personalisation": {"body": sms_text(message.subject, message.body)}}
        lines = {f"address_line_{i}": line for i, line in enumerate(address_lines(message.to), start=1)}
        return {**base, "personalisation": {**lines, "subject": message.subject, "body": message.body}}

    async def send(self, message: OutgoingMessage) -> ChannelResult:
        response = await self._call("POST", f"/v2/notifications/{message.kind}", json=self.payload(message))
        _raise_for(response)
        return ChannelResult(str(response.json()["id"]), "sent")

    async def find(self, message_id: uuid.UUID) -> ChannelResult | None:
        response = await self._call("GET", "/v2/notifications", params={"reference": str(message_id)})
        _raise_for(response)
        for found in response.json().get("notifications", []):
            if found.get("reference") == str(message_id) and found.get("status") not in FAILED_AT_PROVIDER:
                return ChannelResult(str(found["id"]), "sent")
        return None

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._client.request(method, path, headers=self._auth(), **kwargs)
        except httpx.TimeoutException:
            raise TemporaryFailure("GOV.UK Notify did not answer in time") from None
        except httpx.TransportError as err:
            raise TemporaryFailure(f"GOV.UK Notify could not be reached ({type(err).__name__})") from None

    async def close(self) -> None:
        await self._client.aclose()


def _error_name(response: httpx.Response) -> str:
    try:
        errors = response.json().get("errors") or [{}]
        return str(errors[0].get("error", "error"))[:60]
    except ValueError:
        return "error"


def _raise_for(response: httpx.Response) -> None:
    """Our words only: Notify's messages may quote the address it refused."""
    code = response.status_code
    if code < 400:
        return
    reason = f"GOV.UK Notify answered {code} {_error_name(response)}"
    if code >= 500 or code == 429:
        raise TemporaryFailure(reason)
    if code in (401, 403):
        # our key or clock is wrong, not the message: keep it and retry once someone fixes it
        log.error("notify.auth_refused", status=code)
        raise TemporaryFailure(reason)
    raise PermanentFailure(reason)
