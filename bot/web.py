"""The ASGI app, a composition root: every provider's webhook routes, the recorded
prompts, a health check, and the admin for staff at /admin (admin/).

    uvicorn bot.web:app          # settings from the environment, database migrated on start

The routes of each provider come from its registration (bot/channels/registry.py); they
reach Orienta through the `Gateway` built here. A webhook answers 2xx only once the
inbound message is committed; when it cannot be stored the answer is 5xx, so that the
provider retries or calls the fallback URL. The process has one outbox dispatcher, which
also sends the replies of channels that cannot answer inline; with `dispatcher=True`
(`orienta serve`) it also runs its loop and the scheduler here.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from admin.app import create_admin
from bot.app import Orienta, open_orienta
from bot.channels.base import Sender, VoiceFile
from bot.channels.gateway import DeliveryReport, NotStored
from bot.channels.registry import capabilities, providers
from bot.messaging import Inbound, Outbound
from bot.outbox.dispatcher import Dispatcher
from bot.scheduling.worker import start_scheduler
from bot.settings import Settings
from bot.voice.recordings import load_voice_file

__all__ = ["WebGateway", "app", "create_app", "enabled_channels"]

log = logging.getLogger(__name__)


def enabled_channels(orienta: Orienta) -> dict[str, bool]:
    """Per channel, whether its webhooks have what they need to run."""
    on: dict[str, bool] = {}
    for provider in providers():
        receiving = provider.receiving(orienta.settings)
        on.update({t.name: receiving.get(t.name, False) for t in provider.channel_types})
    # The admin's simulator channels have no webhook: they are not channels people use.
    return {
        name: active
        for name, active in on.items()
        if capabilities(name).people and not capabilities(name).simulated
    }


class WebGateway:
    """What provider routes may ask of Orienta (bot/channels/gateway.py)."""

    def __init__(self, orienta: Orienta, dispatcher: Dispatcher, wake: asyncio.Event) -> None:
        self.orienta = orienta
        self.dispatcher = dispatcher
        self.wake = wake

    @property
    def settings(self) -> Settings:
        return self.orienta.settings

    async def receive(self, inbound: Inbound, *, send_now: bool = False) -> list[Outbound]:
        # With the other turns waiting, in one transaction; one person's turns in order.
        turn = self.orienta.engine.turn(inbound, send_now=send_now)
        try:
            return await self.orienta.group.run(turn, key=inbound.address)
        except SQLAlchemyError:
            log.exception("inbound not stored", extra={"channel": inbound.channel})
            raise NotStored("inbound message not stored") from None

    async def send(self, replies: Sequence[Outbound]) -> None:
        await self.dispatcher.send_replies(replies)
        self.wake.set()  # a failure may have queued a fallback: the loop takes it now

    async def report(self, report: DeliveryReport) -> bool:
        try:  # with the turns of the moment, in their transaction
            record = functools.partial(self.dispatcher.claims.report_in, report=report)
            return await self.orienta.group.run(record)
        except SQLAlchemyError:
            log.exception("delivery report not stored")
            raise NotStored("delivery report not stored") from None

    def sender(self, channel: str) -> Sender | None:
        return self.dispatcher.senders.get(channel)


def _orienta(request: Request) -> Orienta:
    orienta: Orienta = request.app.state.orienta
    return orienta


async def health(request: Request) -> Response:
    def ping(session: Session) -> None:
        session.execute(text("SELECT 1"))

    try:  # as the webhooks reach the database: a connection found dead is replaced
        await _orienta(request).group.run(ping)
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
        found = await _orienta(request).db.run(load)
    except SQLAlchemyError:
        return PlainTextResponse("database unreachable", status_code=503)
    if found is None:
        return PlainTextResponse("not found", status_code=404)
    return Response(
        found.data,
        media_type=found.content_type,
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )


class _Admin:
    """The admin app, built on the running Orienta at its first request (Orienta may be
    opened only at start-up, in the lifespan)."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.app is None:
            self.app = create_admin(scope["app"].state.orienta, **self.options)
        await self.app(scope, receive, send)


async def _to_admin(_request: Request) -> Response:
    return RedirectResponse("/admin/", status_code=307)


def create_app(
    orienta: Orienta | None = None,
    *,
    dispatcher: bool = False,
    telegram_polling: bool = False,
    admin_options: dict[str, Any] | None = None,
) -> Starlette:
    """The app on `orienta`, or on one opened (and migrated) from settings at start-up.
    With `dispatcher`, the outbox dispatcher's loop and the scheduler run in this process
    too (`orienta serve`); with `telegram_polling`, providers that can fetch messages
    (Telegram) do so instead of being posted to. `admin_options` go to `create_admin`
    (tests: a cheaper password hasher, a throttle of their own)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = orienta is None
        running = orienta if orienta is not None else await run_in_threadpool(open_orienta)
        app.state.orienta = running
        outbox = running.dispatcher()
        wake = asyncio.Event()
        gateway = WebGateway(running, outbox, wake)
        app.state.gateway = gateway
        stop = asyncio.Event()
        loop = asyncio.create_task(outbox.run(stop, wake)) if dispatcher else None
        scheduler = start_scheduler(running) if dispatcher else None
        polls = [
            asyncio.create_task(provider.poll(gateway, stop))
            for provider in providers()
            if telegram_polling and provider.polls(running.settings)
        ]
        try:
            yield
        finally:
            stop.set()
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            for poll in polls:
                poll.cancel()  # it may be in a long request
                with contextlib.suppress(asyncio.CancelledError):
                    await poll
            if loop is not None:
                await loop  # the batch under way is sent and recorded first
            await outbox.aclose()
            await running.group.aclose()  # what the webhooks gave it, written
            running.db.shutdown()
            if owned:
                running.close()

    routes: list[BaseRoute] = [Route("/health", health, methods=["GET"])]
    for provider in providers():
        routes.extend(provider.routes())
    routes.append(Route("/media/voice/{name}", voice_file, methods=["GET", "HEAD"]))
    routes.append(Route("/admin", _to_admin, methods=["GET"]))
    routes.append(Mount("/admin", app=_Admin(admin_options or {})))
    return Starlette(routes=routes, lifespan=lifespan)


app = create_app()
