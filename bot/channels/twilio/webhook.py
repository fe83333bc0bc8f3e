"""Twilio's webhooks: SMS and WhatsApp messages in (answered with TwiML), delivery
reports in.

A webhook is trusted only when its `X-Twilio-Signature` matches the URL Twilio was told
to call, built from `PUBLIC_BASE_URL` (never from the Host or X-Forwarded-* headers an
attacker controls), the path and the query string. A message is answered 2xx only once
it is stored; otherwise 503, for Twilio's connection overrides or fallback URL to retry
(docs/channels.md).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import Message, MessagingResponse

from bot.channels.gateway import DeliveryReport, Gateway, NotStored
from bot.channels.layout import parts
from bot.channels.phones import to_e164
from bot.channels.registry import channel_type
from bot.channels.twilio.sender import is_opt_out
from bot.messaging import Inbound, Outbound

__all__ = ["ROUTES", "TwilioWebhook", "channel_of", "parse_inbound", "render_twiml"]

log = logging.getLogger(__name__)

MAX_MEDIA = 10  # Twilio sends at most 10 attachments per message
# Twilio's delivery states that move ours (others, such as "accepted", do not).
STATUSES = {
    "queued": "queued",
    "sending": "sending",
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
    "undelivered": "failed",
}


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
        url = self.public_url(path, query)
        # The URL as configured first: one HMAC. `validate` also tries it with and
        # without a port (three), needed only when the proxy in front says otherwise.
        expected = validator.compute_signature(url, dict(params))
        if hmac.compare_digest(expected.encode(), signature.encode()):  # bytes: any header
            return True
        return bool(validator.validate(url, dict(params), signature))


def channel_of(params: Mapping[str, str]) -> str:
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


def render_twiml(outbounds: Sequence[Outbound], channel: str) -> str:
    """The replies as TwiML <Message>s, laid out for the channel (a reply over its
    length limit is several messages)."""
    response = MessagingResponse()
    body = channel_type(channel).body
    with_media = channel_type(channel).capabilities.media
    for outbound in (part for o in outbounds for part in parts(o, channel)):
        message = Message()
        text = body(outbound)
        if text or not outbound.media or not with_media:
            message.body(text)  # a WhatsApp recording goes alone, without a caption
        if with_media:
            for url in outbound.media:
                message.media(url)
        response.append(message)
    return str(response)


def _webhook(gateway: Gateway) -> TwilioWebhook | None:
    s = gateway.settings
    if not (s.twilio_auth_token and s.public_base_url):
        return None
    return TwilioWebhook(s.twilio_auth_token, s.public_base_url)


async def _signed_form(request: Request, gateway: Gateway) -> dict[str, str] | Response:
    """The request's form if Twilio signed it; otherwise the answer to give (404 when
    Twilio is off, 403 for a bad signature)."""
    twilio = _webhook(gateway)
    if twilio is None:
        return PlainTextResponse("Twilio is not configured on this server.", status_code=404)
    form = await request.form()
    params = {k: v for k, v in form.items() if isinstance(v, str)}
    signature = request.headers.get("X-Twilio-Signature", "")
    if not twilio.is_signed(request.url.path, request.url.query, params, signature):
        log.warning("twilio webhook refused: bad signature", extra={"path": request.url.path})
        return PlainTextResponse("Invalid signature.", status_code=403)
    return params


async def message(request: Request) -> Response:
    """Incoming SMS or WhatsApp message (also the fallback URL: same processing)."""
    gateway: Gateway = request.app.state.gateway
    params = await _signed_form(request, gateway)
    if isinstance(params, Response):
        return params
    inbound = parse_inbound(params)
    if inbound is None:
        return PlainTextResponse("The sender is not a phone number.", status_code=400)
    try:
        outbounds = await gateway.receive(inbound)
    except NotStored:
        return PlainTextResponse("Message not stored, please retry.", status_code=503)
    return Response(render_twiml(outbounds, channel_of(params)), media_type="application/xml")


async def status(request: Request) -> Response:
    """Delivery reports. Our row's key is in the callback URL we gave Twilio."""
    gateway: Gateway = request.app.state.gateway
    params = await _signed_form(request, gateway)
    if isinstance(params, Response):
        return params
    twilio_status = params.get("MessageStatus", params.get("SmsStatus", ""))
    error_code = params.get("ErrorCode", "")
    report = DeliveryReport(
        key=request.query_params.get("key", ""),
        provider_id=params.get("MessageSid", ""),
        status=STATUSES.get(twilio_status, ""),
        error=f"twilio {twilio_status} {error_code}",
        opted_out=is_opt_out(error_code),
    )
    try:
        found = await gateway.report(report)
    except NotStored:
        return PlainTextResponse("Not stored, please retry.", status_code=503)
    # An unknown key (an erased person's message) is answered 200: nothing to retry.
    return Response(status_code=204 if found else 200)


ROUTES = (
    Route("/webhooks/twilio/sms", message, methods=["POST"]),
    Route("/webhooks/twilio/whatsapp", message, methods=["POST"]),
    Route("/webhooks/twilio/fallback", message, methods=["POST"]),
    Route("/webhooks/twilio/status", status, methods=["POST"]),
)
