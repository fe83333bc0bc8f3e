"""Telegram updates in: by webhook (`/webhooks/telegram`), or fetched by polling for a
server with no public URL (`orienta serve --telegram-polling`).

An update is stored and answered before it is acknowledged: Telegram resends an update
until it gets a 2xx, so a 5xx here means "try again", never "lost". Telegram cannot carry
replies in the webhook's answer: they are sent at once, through the process's one
Telegram sender and its pacing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from telegram.error import TelegramError

from bot.channels.gateway import Gateway, NotStored
from bot.channels.telegram.sender import TelegramSender
from bot.channels.telegram.updates import (
    ALLOWED_UPDATES,
    SECRET_HEADER,
    parse_update,
    verify_secret,
)

__all__ = ["ROUTES", "poll", "process_update"]

log = logging.getLogger(__name__)

RETRY_SECONDS = 5.0


async def webhook(request: Request) -> Response:
    gateway: Gateway = request.app.state.gateway
    s = gateway.settings
    if not (s.telegram_bot_token and s.telegram_webhook_secret):
        return PlainTextResponse("Telegram is not configured on this server.", status_code=404)
    if not verify_secret(request.headers.get(SECRET_HEADER), s.telegram_webhook_secret):
        log.warning("telegram webhook refused: bad secret token")
        return PlainTextResponse("Invalid secret token.", status_code=403)
    try:
        data = await request.json()
    except ValueError:
        return PlainTextResponse("Not JSON.", status_code=400)
    if not await process_update(gateway, data):
        return PlainTextResponse("Update not stored, please retry.", status_code=503)
    return Response(status_code=200)


async def process_update(gateway: Gateway, data: object) -> bool:
    """Store and answer one update (from the webhook or from polling). False when it
    could not be stored, so that it is fetched or delivered again; True when handled or
    of a kind we ignore."""
    update = parse_update(data) if isinstance(data, dict) else None
    if update is None:
        return True  # nothing for us in it: do not have it resent
    try:
        replies = await gateway.receive(update.inbound, send_now=True)
    except NotStored:
        return False
    sender = gateway.sender("telegram")
    if update.callback_query_id and isinstance(sender, TelegramSender):
        await sender.answer_callback(update.callback_query_id)
    # Addressed to the update's chat: a reply to someone who just erased themselves
    # still reaches them.
    await gateway.send(replies)
    return True


async def poll(gateway: Gateway, stop: asyncio.Event) -> None:
    """Fetch updates instead of receiving them, for trying the bot without a public URL.
    An update is confirmed (offset) only once stored."""
    sender = gateway.sender("telegram")
    assert isinstance(sender, TelegramSender), "polling needs TELEGRAM_BOT_TOKEN"
    bot = await sender.ready()
    await bot.delete_webhook()  # getUpdates is refused while a webhook is set
    offset = 0
    while not stop.is_set():
        try:
            updates = await bot.get_updates(
                offset=offset, timeout=10, allowed_updates=ALLOWED_UPDATES
            )
        except TelegramError as exc:
            log.warning("telegram polling failed: %s", type(exc).__name__)
            await _sleep_or_stop(stop, RETRY_SECONDS)
            continue
        for update in updates:
            if not await process_update(gateway, update.to_dict()):
                await _sleep_or_stop(stop, RETRY_SECONDS)
                break  # not stored: fetched again from the same offset
            offset = update.update_id + 1


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


ROUTES = (Route("/webhooks/telegram", webhook, methods=["POST"]),)
