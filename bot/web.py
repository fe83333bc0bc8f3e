"""The ASGI app: provider webhooks and a health check (the admin will mount at /admin).

    uvicorn bot.web:app          # settings from the environment, database migrated on start

A webhook answers 2xx only once the inbound message is committed; when it cannot be
stored the answer is 5xx, so that the provider retries or calls the fallback URL.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.app import Orienta, open_orienta
from bot.channels.twilio import TwilioWebhook, channel_of, parse_inbound, render_twiml

__all__ = ["app", "create_app", "enabled_channels"]

log = logging.getLogger(__name__)


def enabled_channels(orienta: Orienta) -> dict[str, bool]:
    """Which channels have what they need to run."""
    s = orienta.settings
    twilio = bool(s.twilio_auth_token and s.public_base_url)
    return {"sms": twilio, "whatsapp": twilio, "telegram": False}


def _orienta(request: Request) -> Orienta:
    orienta: Orienta = request.app.state.orienta
    return orienta


def _twilio(request: Request) -> TwilioWebhook | None:
    s = _orienta(request).settings
    if not (s.twilio_auth_token and s.public_base_url):
        return None
    return TwilioWebhook(s.twilio_auth_token, s.public_base_url)


async def twilio_message(request: Request) -> Response:
    """Incoming SMS or WhatsApp message (also the fallback URL: same processing)."""
    twilio = _twilio(request)
    if twilio is None:
        return PlainTextResponse("Twilio is not configured on this server.", status_code=404)
    form = await request.form()
    params = {k: v for k, v in form.items() if isinstance(v, str)}
    signature = request.headers.get("X-Twilio-Signature", "")
    if not twilio.is_signed(request.url.path, request.url.query, params, signature):
        log.warning("twilio webhook refused: bad signature", extra={"path": request.url.path})
        return PlainTextResponse("Invalid signature.", status_code=403)
    inbound = parse_inbound(params)
    if inbound is None:
        return PlainTextResponse("The sender is not a phone number.", status_code=400)
    try:
        outbounds = await run_in_threadpool(_orienta(request).engine.handle, inbound)
    except SQLAlchemyError:
        log.exception("twilio inbound not stored", extra={"channel": inbound.channel})
        return PlainTextResponse("Message not stored, please retry.", status_code=503)
    xml = render_twiml(outbounds, channel_of(params))
    return Response(xml, media_type="application/xml")


async def health(request: Request) -> Response:
    def ping() -> None:
        with _orienta(request).database.connect() as connection:
            connection.execute(text("SELECT 1"))

    try:
        await run_in_threadpool(ping)
    except SQLAlchemyError:
        return JSONResponse({"status": "database unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "channels": enabled_channels(_orienta(request))})


def create_app(orienta: Orienta | None = None) -> Starlette:
    """The app on `orienta`, or on one opened (and migrated) from settings at start-up."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = orienta is None
        app.state.orienta = orienta or await run_in_threadpool(open_orienta)
        try:
            yield
        finally:
            if owned:
                app.state.orienta.close()

    routes = [
        Route("/health", health, methods=["GET"]),
        Route("/webhooks/twilio/sms", twilio_message, methods=["POST"]),
        Route("/webhooks/twilio/whatsapp", twilio_message, methods=["POST"]),
        Route("/webhooks/twilio/fallback", twilio_message, methods=["POST"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


app = create_app()
