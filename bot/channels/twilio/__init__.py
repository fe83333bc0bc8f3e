"""Twilio: SMS and WhatsApp.

    webhook.py   signed webhooks in (messages, delivery reports), TwiML answers
    sender.py    the Messages API: sending, reconciling, Twilio's error codes

Both channels answer inline (TwiML in the webhook's answer); everything else goes from
the outbox through `TwilioSender`. Registered on import.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.channels.layout import render_numbered_menu, render_sms_menu
from bot.channels.registry import Capabilities, ChannelType, Pacing, Provider, register

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from bot.channels.base import Sender, VoiceFiles
    from bot.settings import Settings

__all__ = ["SMS", "TWILIO", "WHATSAPP"]

SMS = ChannelType(
    "sms",
    Capabilities(max_length=1600, segments=True, phone=True),  # Twilio takes 1,600 at most
    body=render_sms_menu,
    preview=render_sms_menu,
    provider="twilio",
)
WHATSAPP = ChannelType(
    "whatsapp",
    Capabilities(
        media=True, max_length=1600, window=timedelta(hours=24), phone=True, fallback="sms"
    ),
    body=render_numbered_menu,
    preview=render_numbered_menu,
    provider="twilio",
)


class TwilioProvider(Provider):
    name = "twilio"
    channel_types = (SMS, WHATSAPP)

    def receiving(self, settings: Settings) -> dict[str, bool]:
        on = bool(settings.twilio_auth_token and settings.public_base_url)
        return {"sms": on, "whatsapp": on}

    def routes(self) -> Sequence[BaseRoute]:
        from bot.channels.twilio.webhook import ROUTES

        return ROUTES

    def senders(self, settings: Settings, voice_files: VoiceFiles | None) -> dict[str, Sender]:
        from bot.channels.twilio.sender import TwilioSender

        s = settings
        if not (s.twilio_account_sid and s.twilio_auth_token):
            return {}
        senders: dict[str, Sender] = {}
        for channel, sender in (("sms", s.twilio_sms_from), ("whatsapp", s.twilio_whatsapp_from)):
            if sender:  # a channel without its …_FROM is not sent on: its rows wait
                senders[channel] = TwilioSender(
                    channel,
                    account_sid=s.twilio_account_sid,
                    auth_token=s.twilio_auth_token,
                    sender=sender,
                    public_base_url=s.public_base_url,
                    api_base_url=s.twilio_api_base_url,
                    template_sid=s.twilio_whatsapp_template_sid if channel == "whatsapp" else "",
                )
        return senders

    def pacing(self, settings: Settings) -> dict[str, Pacing]:
        rate = settings.twilio_messages_per_second
        return {"sms": Pacing(per_second=rate), "whatsapp": Pacing(per_second=rate)}


TWILIO = register(TwilioProvider())
