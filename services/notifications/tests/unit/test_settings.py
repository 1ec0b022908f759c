"""Notifications' settings: a half-configured GOV.UK Notify is refused; the council is the deployment's."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from notifications.config import NotificationsSettings


def test_notify_needs_its_key_templates_and_callback_token() -> None:
    with pytest.raises(ValidationError) as refused:
        NotificationsSettings(channel="notify", notify_api_key="k")
    assert "NOTIFICATIONS_NOTIFY_EMAIL_TEMPLATE_ID" in str(refused.value)
    assert "NOTIFICATIONS_NOTIFY_CALLBACK_TOKEN" in str(refused.value)


def test_the_embedded_stack_uses_the_dev_mailbox_by_default() -> None:
    settings = NotificationsSettings()
    assert settings.channel == "dev-mailbox"
    assert settings.still_waiting_days == 20
    assert settings.status_link_days == 180


def test_messages_name_the_deployments_council_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRONTDOOR_COUNCIL_NAME", "Borsetshire County Council")
    assert NotificationsSettings().council_name == "Borsetshire County Council"  # as every page's footer
    monkeypatch.setenv("NOTIFICATIONS_COUNCIL_NAME", "Borsetshire SEND Service")
    assert NotificationsSettings().council_name == "Borsetshire SEND Service"


def test_the_pathways_chased_are_named_and_checked() -> None:
    assert NotificationsSettings().chased == frozenset({"slcn", "outreach", "sen-support", "universal-advice"})
    assert NotificationsSettings(chase_pathways=" slcn, ").chased == frozenset({"slcn"})
    assert NotificationsSettings(chase_pathways="").chased == frozenset()
    with pytest.raises(ValidationError, match="unknown pathway speech; expected some of slcn"):
        NotificationsSettings(chase_pathways="slcn,speech")
