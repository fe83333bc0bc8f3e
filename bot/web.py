"""The ASGI app: provider webhooks and a health check (the admin will mount at /admin).

    uvicorn bot.web:app          # settings from the environment, database migrated on start

A webhook answers 2xx only once the inbound message is committed; when it cannot be
stored the answer is 5xx, so that the provider retries or calls the fallback URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from telegram.error import TelegramError

from bot.app import Orienta, open_orienta
from bot.channels.telegram import ALLOWED_UPDATES, TelegramSender, parse_update, verify_secret
from bot.channels.twilio import TwilioWebhook, channel_of, parse_inbound, render_twiml
from bot.dispatcher import Dispatcher, fall_back_to_sms
from bot.storage.db import DB_THREADS
from bot.storage.models import ChannelIdentity, Contact, OutboxMessage
from bot.voice import VoiceFile, load_voice_file, voice_loader
from bot.worker import build_dispatcher, build_senders, start_scheduler

__all__ = ["app", "create_app", "enabled_channels"]

log = logging.getLogger(__name__)


def enabled_channels(orienta: Orienta) -> dict[str, bool]:
    """Which channels have what they need to run."""
    s = orienta.settings
    twilio = bool(s.twilio_auth_token and s.public_base_url)
    telegram = bool(s.telegram_bot_token and s.telegram_webhook_secret)
    return {"sms": twilio, "whatsapp": twilio, "telegram": telegram}


T = TypeVar("T")


async def in_db_thread(app: Starlette, fn: Callable[..., T], *args: Any) -> T:
    """Run `fn` (database work) off the event loop, in the app's database threads: as many
    as its connections on PostgreSQL, one on SQLite. SQLite has one writer at a time, so
    requests queue here, in order, instead of in SQLite's busy handler, which sleeps in
    steps of up to 100 ms."""
    executor: ThreadPoolExecutor = app.state.db_thread
    return await asyncio.get_running_loop().run_in_executor(executor, functools.partial(fn, *args))


def _orienta(request: Request) -> Orienta:
    orienta: Orienta = request.app.state.orienta
    return orienta


def _twilio(request: Request) -> TwilioWebhook | None:
    s = _orienta(request).settings
    if not (s.twilio_auth_token and s.public_base_url):
        return None
    return TwilioWebhook(s.twilio_auth_token, s.public_base_url)


async def _signed_twilio_form(request: Request) -> dict[str, str] | Response:
    """The request's form if Twilio signed it; otherwise the answer to give (404 when
    Twilio is off, 403 for a bad signature)."""
    twilio = _twilio(request)
    if twilio is None:
        return PlainTextResponse("Twilio is not configured on this server.", status_code=404)
    form = await request.form()
    params = {k: v for k, v in form.items() if isinstance(v, str)}
    signature = request.headers.get("X-Twilio-Signature", "")
    if not twilio.is_signed(request.url.path, request.url.query, params, signature):
        log.warning("twilio webhook refused: bad signature", extra={"path": request.url.path})
        return PlainTextResponse("Invalid signature.", status_code=403)
    return params


async def twilio_message(request: Request) -> Response:
    """Incoming SMS or WhatsApp message (also the fallback URL: same processing)."""
    params = await _signed_twilio_form(request)
    if isinstance(params, Response):
        return params
    inbound = parse_inbound(params)
    if inbound is None:
        return PlainTextResponse("The sender is not a phone number.", status_code=400)
    try:
        outbounds = await in_db_thread(request.app, _orienta(request).engine.handle, inbound)
    except SQLAlchemyError:
        log.exception("twilio inbound not stored", extra={"channel": inbound.channel})
        return PlainTextResponse("Message not stored, please retry.", status_code=503)
    xml = render_twiml(outbounds, channel_of(params))
    return Response(xml, media_type="application/xml")


# Delivery states in the order they happen; a callback never moves a row backwards
# (they can arrive out of order). failed/undelivered end a row not yet delivered.
DELIVERY_ORDER = {"queued": 0, "sending": 1, "sent": 2, "delivered": 3, "read": 4}
FAILED_STATES = {"failed", "undelivered"}


def _apply_status(orienta: Orienta, key: str, sid: str, status: str, error_code: str) -> bool:
    now = orienta.engine.clock()
    with orienta.sessions.begin() as session:
        row = session.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == key).with_for_update()
        ).one_or_none()
        if row is None:
            return False
        if row.provider_message_id is None:
            row.provider_message_id = sid  # we crashed before recording it: now we know
        current = DELIVERY_ORDER.get(row.status, -1)
        if status in FAILED_STATES:
            if row.status not in ("delivered", "read"):
                row.status, row.last_error = "failed", f"twilio {status} {error_code}"[:255]
                fall_back_to_sms(session, row, now)
        elif DELIVERY_ORDER.get(status, -1) > current:
            row.status = status
        if row.status in ("sent", "delivered", "read") and row.sent_at is None:
            row.sent_at = now
        row.updated_at = now
        if error_code == "21610" and row.identity_id is not None:
            identity = session.get(ChannelIdentity, row.identity_id)
            contact = session.get(Contact, identity.contact_id) if identity else None
            if contact is not None and contact.opted_out_at is None:
                contact.opted_out_at = now
    return True


async def twilio_status(request: Request) -> Response:
    """Delivery reports. Our row's key is in the callback URL we gave Twilio."""
    params = await _signed_twilio_form(request)
    if isinstance(params, Response):
        return params
    key = request.query_params.get("key", "")
    status = params.get("MessageStatus", params.get("SmsStatus", ""))
    try:
        found = await in_db_thread(
            request.app,
            _apply_status,
            _orienta(request),
            key,
            params.get("MessageSid", ""),
            status,
            params.get("ErrorCode", ""),
        )
    except SQLAlchemyError:
        log.exception("status callback not stored")
        return PlainTextResponse("Not stored, please retry.", status_code=503)
    # An unknown key (an erased person's message) is answered 200: nothing to retry.
    return Response(status_code=204 if found else 200)


async def telegram_webhook(request: Request) -> Response:
    """An update from Telegram: stored, answered, then acknowledged. Telegram resends an
    update until it gets a 2xx, so a 5xx here means "try again", never "lost"."""
    telegram: TelegramSender | None = request.app.state.telegram
    if telegram is None:
        return PlainTextResponse("Telegram is not configured on this server.", status_code=404)
    secret = _orienta(request).settings.telegram_webhook_secret
    if not verify_secret(request.headers.get("X-Telegram-Bot-Api-Secret-Token"), secret):
        log.warning("telegram webhook refused: bad secret token")
        return PlainTextResponse("Invalid secret token.", status_code=403)
    try:
        data = await request.json()
    except ValueError:
        return PlainTextResponse("Not JSON.", status_code=400)
    stored = await process_telegram_update(request.app, data)
    if not stored:
        return PlainTextResponse("Update not stored, please retry.", status_code=503)
    return Response(status_code=200)


async def process_telegram_update(app: Starlette, data: object) -> bool:
    """Store and answer one update (from the webhook or from polling). False when it
    could not be stored, so that it is fetched or delivered again; True when handled or
    of a kind we ignore."""
    update = parse_update(data) if isinstance(data, dict) else None
    if update is None:
        return True  # nothing for us in it: do not have it resent
    orienta: Orienta = app.state.orienta
    try:
        # Replies stored already claimed: sent below, no transaction to claim them.
        outbounds = await in_db_thread(
            app, functools.partial(orienta.engine.handle, send_now=True), update.inbound
        )
    except SQLAlchemyError:
        log.exception("telegram update not stored")
        return False
    if update.callback_query_id:
        await app.state.telegram.answer_callback(update.callback_query_id)
    replies: Dispatcher = app.state.telegram_replies
    for outbound in outbounds:
        if outbound.claimed_id is not None:
            # Addressed to the update's chat: a reply to someone who just erased
            # themselves still reaches them.
            await replies.send_claimed(outbound)
        else:  # replayed for an update seen before: sent then, or being sent
            await replies.deliver_reply(outbound.key, update.inbound.address)
    app.state.wake_dispatcher.set()
    return True


async def poll_telegram(app: Starlette, stop: asyncio.Event) -> None:
    """`orienta serve --telegram-polling`: fetch updates instead of receiving them, for
    trying the bot without a public URL. An update is confirmed (offset) only once stored."""
    bot = await app.state.telegram.ready()
    await bot.delete_webhook()  # getUpdates is refused while a webhook is set
    offset = 0
    while not stop.is_set():
        try:
            updates = await bot.get_updates(
                offset=offset, timeout=10, allowed_updates=ALLOWED_UPDATES
            )
        except TelegramError as exc:
            log.warning("telegram polling failed: %s", type(exc).__name__)
            await _sleep_or_stop(stop, 5.0)
            continue
        for update in updates:
            if not await process_telegram_update(app, update.to_dict()):
                await _sleep_or_stop(stop, 5.0)
                break  # not stored: fetched again from the same offset
            offset = update.update_id + 1


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def health(request: Request) -> Response:
    def ping() -> None:
        with _orienta(request).database.connect() as connection:
            connection.execute(text("SELECT 1"))

    try:
        await in_db_thread(request.app, ping)
    except SQLAlchemyError:
        return JSONResponse({"status": "database unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "channels": enabled_channels(_orienta(request))})


async def voice_file(request: Request) -> Response:
    """A recorded prompt, for Twilio to fetch (WhatsApp). The URL carries the recording's
    hash, so it never changes meaning: cached for a year. Generic prompts, no personal
    data; an unknown or outdated URL is 404."""

    def load() -> VoiceFile | None:
        with _orienta(request).sessions() as session:
            return load_voice_file(session, request.url.path)

    try:
        found = await in_db_thread(request.app, load)
    except SQLAlchemyError:
        return PlainTextResponse("database unreachable", status_code=503)
    if found is None:
        return PlainTextResponse("not found", status_code=404)
    return Response(
        found.data,
        media_type=found.content_type,
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )


def create_app(
    orienta: Orienta | None = None, *, dispatcher: bool = False, telegram_polling: bool = False
) -> Starlette:
    """The app on `orienta`, or on one opened (and migrated) from settings at start-up.
    With `dispatcher`, the outbox dispatcher runs in this process too (`orienta serve`);
    with `telegram_polling`, Telegram updates are fetched instead of posted to us."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = orienta is None
        app.state.orienta = orienta or await run_in_threadpool(open_orienta)
        app.state.wake_dispatcher = asyncio.Event()
        settings = app.state.orienta.settings
        app.state.db_thread = ThreadPoolExecutor(
            1 if settings.is_sqlite else DB_THREADS, thread_name_prefix="orienta-db"
        )
        app.state.telegram = None
        polling = telegram_polling and bool(settings.telegram_bot_token)
        if enabled_channels(app.state.orienta)["telegram"] or polling:
            app.state.telegram = TelegramSender(
                settings.telegram_bot_token,
                settings.telegram_api_base_url,
                voice_files=voice_loader(app.state.orienta.sessions),
            )
            app.state.telegram_replies = build_dispatcher(
                app.state.orienta, {"telegram": app.state.telegram}
            )
        stop = asyncio.Event()
        task = None
        if dispatcher:
            senders = build_senders(
                app.state.orienta.settings, voice_loader(app.state.orienta.sessions)
            )
            worker = build_dispatcher(app.state.orienta, senders)
            task = asyncio.create_task(worker.run(stop, app.state.wake_dispatcher))
            scheduler = start_scheduler(app.state.orienta)
        poller = asyncio.create_task(poll_telegram(app, stop)) if polling else None
        try:
            yield
        finally:
            stop.set()
            if poller is not None:
                poller.cancel()  # it may be in a long poll
                with contextlib.suppress(asyncio.CancelledError):
                    await poller
            if task is not None:
                scheduler.shutdown(wait=False)
                await task
                for sender in senders.values():
                    await sender.aclose()
            if app.state.telegram is not None:
                await app.state.telegram.aclose()
            app.state.db_thread.shutdown(wait=True)
            if owned:
                app.state.orienta.close()

    routes = [
        Route("/health", health, methods=["GET"]),
        Route("/webhooks/twilio/sms", twilio_message, methods=["POST"]),
        Route("/webhooks/twilio/whatsapp", twilio_message, methods=["POST"]),
        Route("/webhooks/twilio/fallback", twilio_message, methods=["POST"]),
        Route("/webhooks/twilio/status", twilio_status, methods=["POST"]),
        Route("/webhooks/telegram", telegram_webhook, methods=["POST"]),
        Route("/media/voice/{name}", voice_file, methods=["GET", "HEAD"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


app = create_app()
