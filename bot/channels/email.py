"""E-mail to partners' focal points (booking notices, daily lists), over SMTP: the
`email` channel type and its provider, registered on import.

Used only for partners whose focal channel is `email`, when SMTP_HOST is set. The
standard library's smtplib does the work, in a thread. Returns the Message-ID we set;
an SMTP server takes no idempotency key either, so the one uncertain window (a
connection lost after DATA) is treated like Twilio's: the row stays 'sending'.
"""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from typing import TYPE_CHECKING, Any

from bot.channels.base import PermanentSendError, TransientSendError, UncertainSendError
from bot.channels.registry import Capabilities, ChannelType, Provider, register
from bot.messaging import Outbound

if TYPE_CHECKING:
    from bot.channels.base import Sender, VoiceFiles
    from bot.settings import Settings

__all__ = ["EMAIL", "EmailSender"]

TIMEOUT_SECONDS = 20.0


class EmailSender:
    channel = "email"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        user: str,
        password: str,
        sender: str,
        starttls: bool = True,
    ) -> None:
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.sender = sender
        self.starttls = starttls

    def _send(self, address: str, payload: dict[str, Any], key: str) -> str:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = address
        message["Subject"] = str(payload.get("subject") or "Orienta")[:150]
        domain = self.sender.rpartition("@")[2] or "orienta.invalid"
        message["Message-ID"] = make_msgid(idstring=key.replace(":", "."), domain=domain)
        message.set_content(str(payload.get("text", "")))
        try:
            with smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.user:
                    smtp.login(self.user, self.password)
                try:
                    smtp.send_message(message)
                except (smtplib.SMTPServerDisconnected, TimeoutError) as exc:
                    raise UncertainSendError(f"SMTP connection lost while sending: {exc}") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentSendError("SMTP refused the recipient", unreachable=True) from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise TransientSendError(f"SMTP login refused ({exc.smtp_code})") from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentSendError(f"SMTP refused the message ({exc.smtp_code})") from exc
            raise TransientSendError(f"SMTP said try later ({exc.smtp_code})") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientSendError(f"SMTP unavailable: {type(exc).__name__}") from exc
        return str(message["Message-ID"])

    async def send(
        self, address: str, payload: dict[str, Any], *, key: str, template: bool = False
    ) -> str:
        return await asyncio.to_thread(self._send, address, payload, key)

    async def aclose(self) -> None:
        return None


def _text(outbound: Outbound) -> str:
    return outbound.text


EMAIL_TYPE = ChannelType(
    "email",
    Capabilities(people=False),  # partners' focal points only
    body=_text,
    preview=_text,
    provider="smtp",
)


class EmailProvider(Provider):
    name = "smtp"
    channel_types = (EMAIL_TYPE,)

    def senders(self, settings: Settings, voice_files: VoiceFiles | None) -> dict[str, Sender]:
        s = settings
        if not s.smtp_host:
            return {}
        sender = EmailSender(
            host=s.smtp_host,
            port=s.smtp_port,
            user=s.smtp_user,
            password=s.smtp_password,
            sender=s.smtp_from or s.smtp_user,
            starttls=s.smtp_starttls,
        )
        return {"email": sender}


EMAIL = register(EmailProvider())
