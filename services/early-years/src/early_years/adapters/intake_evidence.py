"""The evidence behind a case, read from intake when a panel member opens the case.

Intake holds what the referrer told it (the concern in their words, what was tried, screening
results, other concerns about the same child); the panel does not keep a copy. The case page asks
intake for it with the member's own session, so intake decides whether this person may read it and
audits the read. Nothing of it is stored or logged here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
import structlog

log = structlog.get_logger()


@dataclass(frozen=True)
class Evidence:
    """Intake's answer (the fields of its PanelEvidenceOut), or why there is none to show."""

    found: dict[str, Any] | None
    problem: str | None = None


UNREACHABLE = ("Intake could not be reached, so the referrer's evidence is not shown. "
               "Reload the page to try again.")
NOT_SHARED = ("Intake has no evidence it can show you for this case: the concern may have been erased, "
              "or your account may not be a member of a panel.")


def _dated(found: dict[str, Any]) -> dict[str, Any]:
    """Intake's ISO times as dates, for the page."""
    def day(text: Any) -> Any:
        return datetime.fromisoformat(text).date() if isinstance(text, str) else None

    return {**found, "submitted_on": day(found.get("submitted_at")),
            "same_child": [{**o, "submitted_on": day(o.get("submitted_at"))} for o in found.get("same_child") or []]}


class IntakeEvidence:
    def __init__(self, api_url: str, *, timeout: float = 5.0, transport: httpx.AsyncBaseTransport | None = None
                 ) -> None:
        self._client = httpx.AsyncClient(base_url=api_url.rstrip("/"), timeout=timeout, transport=transport)

    async def for_case(self, reference: str, session_token: str) -> Evidence:
        try:
            answer = await self._client.get(
                f"/concerns/{quote(reference, safe='')}/panel-evidence",
                headers={"Authorization": f"Bearer {session_token}", "X-Purpose": "panel"})
        except httpx.HTTPError as err:
            log.warning("panel.evidence_unreachable", error=type(err).__name__)
            return Evidence(None, UNREACHABLE)
        if answer.status_code == 200:
            try:
                return Evidence(_dated(answer.json()))
            except (ValueError, TypeError, AttributeError) as err:  # not intake's answer: say so, never a 500
                log.warning("panel.evidence_unreadable", error=type(err).__name__)
                return Evidence(None, UNREACHABLE)
        if answer.status_code in (401, 403, 404):
            return Evidence(None, NOT_SHARED)
        log.warning("panel.evidence_refused", status=answer.status_code)
        return Evidence(None, UNREACHABLE)

    async def end_session(self, session_token: str) -> bool:
        """Ask intake to end this session on every service (signing out); False when it could not."""
        try:
            answer = await self._client.delete("/session", headers={"Authorization": f"Bearer {session_token}"})
        except httpx.HTTPError as err:
            log.warning("panel.sign_out_unreachable", error=type(err).__name__)
            return False
        if answer.status_code not in (204, 401):  # 401: the session had ended or run out already
            log.warning("panel.sign_out_refused", status=answer.status_code)
            return False
        return True

    async def close(self) -> None:
        await self._client.aclose()
