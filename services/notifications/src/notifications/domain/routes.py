"""How a message reaches a person: the family's channel order and what each channel needs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

KINDS = ("email", "sms", "letter")
SMS_LIMIT = 900  # GOV.UK Notify refuses text messages over 918 characters


def fallback_order(preferred: str, reachable: Iterable[str]) -> list[str]:
    """The preferred channel first, then the others in turn (email, text, letter), skipping
    any the family gave no contact for: SMS falls back to a letter, a letter to email."""
    start = KINDS.index(preferred) if preferred in KINDS else 0
    usable = set(reachable)
    return [k for k in KINDS[start:] + KINDS[:start] if k in usable]


def next_kind(order: list[str], current: str) -> str | None:
    if current not in order:
        return order[0] if order else None
    later = order[order.index(current) + 1:]
    return later[0] if later else None


def carer_contacts(carer: Mapping[str, Any]) -> dict[str, str]:
    """Each channel's address for one carer; a letter names the carer above the address."""
    contacts = {}
    if carer.get("email"):
        contacts["email"] = str(carer["email"])
    if carer.get("phone"):
        contacts["sms"] = str(carer["phone"])
    if carer.get("address"):
        contacts["letter"] = f"{carer['given_name']} {carer['family_name']}, {carer['address']}"
    return contacts


def address_lines(text: str, limit: int = 7) -> list[str]:
    """Split a postal address into at most `limit` lines (name first, postcode last)."""
    parts = [p.strip() for p in text.replace("\n", ",").split(",") if p.strip()]
    if len(parts) <= limit:
        return parts
    return [*parts[:limit - 2], ", ".join(parts[limit - 2:-1]), parts[-1]]


def sms_text(subject: str, body: str, limit: int = SMS_LIMIT) -> str:
    """A text message: the subject and as much of the letter as fits, cut at a line."""
    text = f"{subject}\n\n{body.strip()}"
    if len(text) <= limit:
        return text
    kept: list[str] = []
    for line in text.splitlines():
        if len("\n".join([*kept, line])) > limit - 2:
            break
        kept.append(line)
    return "\n".join(kept).rstrip() + "\n…"
