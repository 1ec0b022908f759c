"""Channels behind one port: the dev mailbox, GOV.UK Notify and SMTP."""

from __future__ import annotations

from notifications.adapters.channels.base import Channel
from notifications.adapters.channels.dev_mailbox import DevMailbox
from notifications.adapters.channels.notify import NotifyChannel
from notifications.adapters.channels.smtp import SmtpChannel
from notifications.config import NotificationsSettings


def build_channel(s: NotificationsSettings) -> Channel:
    if s.channel == "notify":
        assert s.notify_api_key is not None  # checked by the settings
        templates = {"email": s.notify_email_template_id, "sms": s.notify_sms_template_id,
                     "letter": s.notify_letter_template_id}
        return NotifyChannel(api_key=s.notify_api_key.get_secret_value(), base_url=s.notify_base_url,
                             templates={k: v for k, v in templates.items() if v}, timeout=s.notify_timeout_seconds)
    if s.channel == "smtp":
        return SmtpChannel(host=s.smtp_host, port=s.smtp_port, sender=s.smtp_from, username=s.smtp_username,
                           password=s.smtp_password.get_secret_value() if s.smtp_password else None,
                           starttls=s.smtp_starttls, timeout=s.smtp_timeout_seconds)
    return DevMailbox()
