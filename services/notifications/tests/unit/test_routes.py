"""How the family is reached: their preferred channel, then the next one they gave a contact for."""

from __future__ import annotations

from notifications.domain.routes import address_lines, carer_contacts, fallback_order, next_kind, sms_text


def test_a_failed_text_falls_back_to_a_letter_then_email() -> None:
    order = fallback_order("sms", {"email", "sms", "letter"})
    assert order == ["sms", "letter", "email"]
    assert next_kind(order, "sms") == "letter"
    assert next_kind(order, "letter") == "email"
    assert next_kind(order, "email") is None


def test_an_email_family_falls_back_to_text_then_letter() -> None:
    assert fallback_order("email", {"email", "sms", "letter"}) == ["email", "sms", "letter"]


def test_channels_without_a_contact_are_skipped() -> None:
    order = fallback_order("email", {"email", "letter"})
    assert order == ["email", "letter"]
    assert next_kind(order, "email") == "letter"
    assert fallback_order("sms", set()) == []


def test_a_letter_is_addressed_to_the_carer_by_name() -> None:
    contacts = carer_contacts({"given_name": "Grace", "family_name": "Testparent", "email": None,
                               "phone": "07700 900123", "address": "1 Test Street, Testtown, TE1 1ST"})
    assert contacts == {"sms": "07700 900123", "letter": "Grace Testparent, 1 Test Street, Testtown, TE1 1ST"}
    assert address_lines(contacts["letter"]) == ["Grace Testparent", "1 Test Street", "Testtown", "TE1 1ST"]


def test_a_long_address_keeps_seven_lines_with_the_postcode_last() -> None:
    lines = address_lines("A B, Flat 2, 3 Road, Area, Village, Town, County, Region, TE1 1ST")
    assert len(lines) == 7
    assert lines[0] == "A B"
    assert lines[-1] == "TE1 1ST"


def test_a_text_message_fits_notifys_limit_and_cuts_at_a_line() -> None:
    body = "\n".join(f"Line {i} " + "x" * 60 for i in range(40))
    text = sms_text("Subject", body)
    assert len(text) <= 900
    assert text.startswith("Subject\n\nLine 0 ")
    assert text.endswith("\n…")
    assert sms_text("Short", "Body") == "Short\n\nBody"
