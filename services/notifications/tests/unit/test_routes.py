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


def test_a_long_letter_by_text_leaves_out_the_least_needed_parts_and_always_keeps_who_to_contact() -> None:
    body = ("Dear Grace,\n\nWhat has happened\nThe panel decided.\nIt agreed funding.\n\nWhy\n"
            + "\n".join(f"- reason {i} " + "r" * 80 for i in range(5))
            + "\n\nWhat happens next\nThe team will contact you.\n" + "\n".join("n" * 90 for _ in range(3))
            + "\n\nYour rights\nIf you disagree, contact us.\nSENDIASS can help.\n" + "x" * 200
            + "\n\nWho to contact\nContact the SEND team and give the reference FD-7K3M-9QXP.\n")
    text = sms_text("What the panel decided", body)
    assert len(text) <= 900
    assert "reason 0" not in text  # the reasons go first
    assert "The team will contact you." in text
    assert "If you disagree, contact us.\nSENDIASS can help." in text
    assert text.endswith("Contact the SEND team and give the reference FD-7K3M-9QXP.\n\n"
                         "This is a shortened message. Ask us for the full letter, with the reasons, giving the "
                         "reference.")


def test_a_letter_that_cannot_be_shortened_by_its_sections_still_ends_with_who_to_contact() -> None:
    body = "What has happened\n" + "h" * 1200 + "\n\nWho to contact\nContact the SEND team.\n"
    text = sms_text("Subject", body)
    assert len(text) <= 900
    assert text.endswith("…\n\nWho to contact\nContact the SEND team.")
