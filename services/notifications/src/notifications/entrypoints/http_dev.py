"""The dev mailbox (development only): every message, as a web page and as JSON."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from frontdoor_shared.govuk import page_context, templates_of
from notifications.adapters.repository import MessageRepository
from notifications.domain.routes import sms_text

router = APIRouter(tags=["dev"])


async def _messages(request: Request, reference: str | None) -> list[Any]:
    async with request.app.state.notifications.runtime.engine.connect() as conn:
        return await MessageRepository(conn, request.app.state.notifications.context.keyring).mailbox(
            reference)


@router.get("/api/v1/dev/mailbox")
async def mailbox_json(request: Request, reference: str | None = None) -> list[dict[str, Any]]:
    """Every message the dev mailbox holds (development stack only); a text message also as the text a
    provider would send (`as_text`: the letter shortened to fit, `domain.routes.sms_text`)."""
    return [{"id": str(m.id), "reference": m.reference, "audience": m.audience, "to": m.to_address,
             "channel": m.channel, "template": m.template, "subject": m.subject, "body": m.body,
             "as_text": as_text(m), "status": m.status, "about": m.about_event_type,
             "sent_at": m.sent_at.isoformat() if m.sent_at else None}
            for m in await _messages(request, reference)]


def as_text(message: Any) -> str | None:
    return sms_text(message.subject, message.body) if message.channel == "sms" else None


@router.get("/dev/mailbox", include_in_schema=False)
async def mailbox_page(request: Request, reference: str | None = None) -> Response:
    return templates_of(request).TemplateResponse(
        request, "mailbox.html", page_context(request, title="Dev mailbox", service_name="Notifications",
                                              home_url="/dev/mailbox", reference=reference,
                                              messages=await _messages(request, reference), as_text=as_text))
