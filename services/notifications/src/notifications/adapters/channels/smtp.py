"""Email by SMTP: the standard library's client, in a worker thread so the event loop never blocks.

SMTP cannot say whether a message went out before a crash; the Message-ID is the message's id,
so a mail system that saw it twice can tell.
"""

from __future__ import annotations

import asyncio
import smtplib
import uuid
from email.message import EmailMessage

from notifications.adapters.channels.base import ChannelResult, OutgoingMessage, PermanentFailure, TemporaryFailure


class SmtpChannel:
    name = "smtp"
    kinds = frozenset({"email"})

    def __init__(self, *, host: str, port: int, sender: str, username: str | None = None,
                 password: str | None = None, starttls: bool = False, timeout: float = 10.0) -> None:
        self._host, self._port, self._sender = host, port, sender
        self._username, self._password, self._starttls, self._timeout = username, password, starttls, timeout

    def _email(self, message: OutgoingMessage) -> EmailMessage:
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = self._sender, message.to, message.subject
        mail["Message-ID"] = f"<{message.id}@frontdoor.invalid>"  # the same on every attempt
        mail.set_content(message.body)
        return mail

    def _send_blocking(self, mail: EmailMessage) -> None:
        with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as client:
            if self._starttls:
                client.starttls()
            if self._username and self._password:
                client.login(self._username, self._password)
            client.send_message(mail)

    async def send(self, message: OutgoingMessage) -> ChannelResult:
        if message.kind != "email":
            raise PermanentFailure(f"SMTP cannot send a {message.kind}")
        mail = self._email(message)
        try:
            await asyncio.to_thread(self._send_blocking, mail)
        except smtplib.SMTPAuthenticationError:
            raise TemporaryFailure("the mail server refused our credentials") from None  # fix config, keep mail
        except smtplib.SMTPResponseException as err:
            reason = f"the mail server answered {err.smtp_code}"
            raise (PermanentFailure(reason) if 500 <= err.smtp_code < 600 else TemporaryFailure(reason)) from None
        except smtplib.SMTPRecipientsRefused:
            raise PermanentFailure("the mail server refused the recipient") from None
        except (smtplib.SMTPException, OSError) as err:
            raise TemporaryFailure(f"the mail server could not be reached ({type(err).__name__})") from None
        return ChannelResult(str(mail["Message-ID"]), "sent")

    async def find(self, message_id: uuid.UUID) -> ChannelResult | None:
        return None

    async def close(self) -> None:
        return None
