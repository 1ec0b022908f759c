"""GOV.UK Notify's delivery receipts: `POST /callbacks/notify` with the bearer token we gave it."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from notifications.service_layer.outcomes import apply_receipt

router = APIRouter(tags=["callbacks"])


class NotifyReceipt(BaseModel):
    """The fields of Notify's delivery receipt we use; others are ignored."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(max_length=100, description="Notify's id of the notification")
    reference: str | None = Field(default=None, max_length=100, description="Our message id")
    status: str = Field(max_length=40, description="delivered, permanent-failure, temporary-failure, ...")


def _authorised(request: Request, expected: Any) -> bool:
    header = request.headers.get("authorization", "")
    given = header[7:].strip() if header.lower().startswith("bearer ") else ""
    return expected is not None and bool(given) and hmac.compare_digest(
        given.encode(), expected.get_secret_value().encode())


@router.post("/callbacks/notify", status_code=204, summary="Delivery receipt from GOV.UK Notify")
async def notify_receipt(request: Request) -> Response:
    svc = request.app.state.notifications
    if not _authorised(request, svc.settings.notify_callback_token):
        raise HTTPException(401, detail="missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})
    try:
        receipt = NotifyReceipt.model_validate_json(await request.body())
    except ValidationError:
        raise HTTPException(400, detail="not a GOV.UK Notify delivery receipt") from None
    async with svc.runtime.uow() as uow:
        found = await apply_receipt(uow, svc.context, receipt.reference, receipt.status, receipt.id)
        await uow.commit()
    if not found:
        raise HTTPException(404, detail="no message with that reference")
    svc.sender.wake()  # a failure may have queued a fallback and a message to staff
    return Response(status_code=204)
