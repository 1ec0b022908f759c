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


# A letter's sections, by heading. A text message too long for one is made from the letter by
# leaving out, in turn, what the family can least do without in a text (the letter's reasons and
# the chair's note, then a step's second and later lines, then the third and later lines of their
# rights); who to contact is never left out, and a text that had to leave something out says so.
SHORTENED = "This is a shortened message. Ask us for the full letter, with the reasons, giving the reference."
_LEAVE_OUT = (("Why", 0), ("The panel's note", 0), ("What happens next", 1), ("What has happened", 1),
              ("Your rights", 2))
_HEADINGS = frozenset({"What has happened", "Why", "The panel's note", "What happens next", "Your rights",
                       "Who to contact"})


def _sections(body: str) -> list[tuple[str | None, list[str]]]:
    """The letter as (heading, lines) in order; the greeting and anything before a heading under None."""
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in body.strip().splitlines():
        if line.strip() in _HEADINGS:
            sections.append((line.strip(), []))
        elif line.strip():
            sections[-1][1].append(line)
    return sections


def _joined(subject: str, sections: list[tuple[str | None, list[str]]], note: str | None) -> str:
    blocks = [subject] + ["\n".join(([heading] if heading else []) + lines) for heading, lines in sections
                          if lines] + ([note] if note else [])
    return "\n\n".join(blocks)


def sms_text(subject: str, body: str, limit: int = SMS_LIMIT) -> str:
    """A text message: the whole letter when it fits, else the letter with its least needed parts
    left out (see `_LEAVE_OUT`), always with who to contact; as a last resort cut at a line."""
    text = f"{subject}\n\n{body.strip()}"
    if len(text) <= limit:
        return text
    sections = _sections(body)
    for heading, keep in _LEAVE_OUT:
        sections = [(h, lines[:keep] if h == heading else lines) for h, lines in sections]
        shortened = _joined(subject, sections, SHORTENED)
        if len(shortened) <= limit:
            return shortened
    contact = _joined("", [s for s in sections if s[0] == "Who to contact"], None).strip()
    kept: list[str] = []
    for line in _joined(subject, [s for s in sections if s[0] != "Who to contact"], None).splitlines():
        if len("\n".join([*kept, line])) > limit - len(contact) - 4:
            break
        kept.append(line)
    return "\n".join(kept).rstrip() + "\n…" + (f"\n\n{contact}" if contact else "")
