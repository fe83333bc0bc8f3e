"""Twilio SMS and WhatsApp: verified webhooks in, TwiML replies out.

A webhook is trusted only when its `X-Twilio-Signature` matches the URL Twilio was told
to call, built from `PUBLIC_BASE_URL` (never from the Host or X-Forwarded-* headers an
attacker controls), the path and the query string.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels.phones import to_e164
from bot.channels.render import render_numbered_menu, render_sms_menu
from bot.messaging import Inbound, Outbound
from bot.types import Channel

__all__ = ["TwilioWebhook", "parse_inbound", "render_twiml"]

MAX_MEDIA = 10  # Twilio sends at most 10 attachments per message


@dataclass(frozen=True)
class TwilioWebhook:
    auth_token: str
    public_base_url: str

    def public_url(self, path: str, query: str) -> str:
        return f"{self.public_base_url}{path}" + (f"?{query}" if query else "")

    def is_signed(self, path: str, query: str, params: Mapping[str, str], signature: str) -> bool:
        if not signature:
            return False
        validator = RequestValidator(self.auth_token)
        return bool(validator.validate(self.public_url(path, query), dict(params), signature))


def channel_of(params: Mapping[str, str]) -> Channel:
    return "whatsapp" if params.get("From", "").startswith("whatsapp:") else "sms"


def parse_inbound(params: Mapping[str, str]) -> Inbound | None:
    """The message in a Twilio webhook form; None when the sender is not a phone number."""
    channel = channel_of(params)
    address = to_e164(params.get("From", ""))
    if address is None:
        return None
    try:
        count = min(int(params.get("NumMedia", "0") or 0), MAX_MEDIA)
    except ValueError:
        count = 0
    media = tuple(
        params.get(f"MediaContentType{i}", "application/octet-stream") for i in range(count)
    )
    return Inbound(
        channel=channel,
        address=address,
        text=params.get("Body", ""),
        provider_id=params.get("MessageSid") or params.get("SmsSid") or None,
        media=media,
    )


def render_twiml(outbounds: Sequence[Outbound], channel: Channel) -> str:
    """The replies as TwiML <Message>s, laid out for the channel."""
    response = MessagingResponse()
    render = render_sms_menu if channel == "sms" else render_numbered_menu
    for outbound in outbounds:
        response.message(render(outbound))
    return str(response)
