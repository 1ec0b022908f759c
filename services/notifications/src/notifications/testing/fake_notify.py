"""A GOV.UK Notify-compatible server for tests: it checks each request's JWT as Notify does,
records what it received, answers like Notify (201 with an id, or Notify's error body), can be
told to fail, lists notifications by reference, and sends delivery receipts to a callback URL."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from notifications.adapters.channels.notify_jwt import split_api_key


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    kind: str
    body: dict[str, Any]
    token_ok: bool
    answered: int


@dataclass
class FakeNotify:
    api_key: str
    callback_url: str | None = None
    callback_token: str | None = None
    received: list[Received] = field(default_factory=list)
    notifications: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail_next: dict[str, list[int]] = field(default_factory=dict)  # address -> statuses to answer, in turn
    always_fail: dict[str, int] = field(default_factory=dict)  # address -> status
    receipts: dict[str, str] = field(default_factory=dict)  # address -> receipt status (default delivered)
    # Notify's receipts come seconds after a send; at 0.1 s one could beat the sender's own record of
    # the send on a loaded machine (then, by design, no 'sent' is announced), which made tests flaky
    receipt_delay: float = 1.0
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _token_ok(self, request: Request) -> bool:
        service_id, secret = split_api_key(self.api_key)
        try:
            claims = jwt.decode(request.headers.get("authorization", "").removeprefix("Bearer "), secret,
                                algorithms=["HS256"], options={"require": ["iss", "iat"]})
        except jwt.PyJWTError:
            return False
        return bool(claims["iss"] == service_id and abs(time.time() - claims["iat"]) < 30)

    def _answer(self, address: str) -> int:
        queued = self.fail_next.get(address) or []
        return queued.pop(0) if queued else self.always_fail.get(address, 201)

    def sent_to(self, reference: str) -> list[Received]:
        return [r for r in self.received if r.body.get("reference") == reference]

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v2/notifications/{kind}")
        async def create(kind: str, request: Request) -> JSONResponse:
            body, ok = await request.json(), self._token_ok(request)
            address = body.get("email_address") or body.get("phone_number") or \
                body.get("personalisation", {}).get("address_line_1", "")
            status = 403 if not ok else self._answer(address)
            self.received.append(Received(kind, body, ok, status))
            if status != 201:
                error = {403: "AuthError", 400: "BadRequestError"}.get(status, "Exception")
                return JSONResponse({"status_code": status, "errors": [{"error": error, "message": "refused"}]},
                                    status_code=status)
            notification = {"id": str(uuid.uuid4()), "reference": body.get("reference"), "status": "sending",
                            "type": kind, "address": address}
            self.notifications[notification["id"]] = notification
            asyncio.get_running_loop().call_later(self.receipt_delay,
                                                  lambda: asyncio.ensure_future(self._receipt(notification)))
            return JSONResponse({"id": notification["id"], "reference": body.get("reference"),
                                 "content": {}, "template": {"id": body.get("template_id")}}, status_code=201)

        @app.get("/v2/notifications")
        async def by_reference(reference: str | None = None) -> dict[str, Any]:
            found = [n for n in self.notifications.values() if reference is None or n["reference"] == reference]
            return {"notifications": found, "links": {}}

        return app

    async def _receipt(self, notification: dict[str, Any]) -> None:
        if not self.callback_url:
            return
        notification["status"] = self.receipts.get(notification["address"], "delivered")
        async with httpx.AsyncClient() as client:
            await client.post(self.callback_url, headers={"Authorization": f"Bearer {self.callback_token}"},
                              json={"id": notification["id"], "reference": notification["reference"],
                                    "to": notification["address"], "status": notification["status"],
                                    "notification_type": notification["type"]})


class Served:
    """Any ASGI app on a free local port, in this event loop (lifespan included)."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        self.port = port or free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None,
                                                    access_log=False, lifespan="on"))
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> Served:
        self._task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.05)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.should_exit = True
        if self._task is not None:
            await self._task
