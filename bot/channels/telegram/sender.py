"""Telegram messages out through the Bot API (python-telegram-bot v22 building the calls,
aiohttp carrying them: `AiohttpRequest`), its typed errors mapped onto ours, and
`setWebhook`.

Sending never waits for getMe: PTB's `send_message` needs no initialised `Bot`, so getMe
runs once in the background (`TelegramSender._check_token`), bounded, only to tell in the
log that the token is refused or the API unreachable; polling (`ready`) waits for it.

The Bot API takes no idempotency key and has no message list to reconcile with, so a row
left *sending* by a crash is sent again (see docs/channels.md). A bot token is never
logged: the errors that would carry it are rewritten.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import re
import time
from datetime import timedelta
from typing import Any

import aiohttp
from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.channels.base import (
    NothingToSend,
    PermanentSendError,
    SendError,
    TransientSendError,
    UncertainSendError,
    VoiceFiles,
)
from bot.channels.http import FAILURES, FORM, HttpClient, sent_without_answer
from bot.channels.telegram.keyboards import render_telegram
from bot.channels.telegram.updates import ALLOWED_UPDATES
from bot.errors import ConfigError, OrientaError
from bot.messaging import Outbound

__all__ = ["TelegramSender", "bot_api_urls", "send_error", "set_webhook"]

# From v22.2, reading RetryAfter.retry_after (which RetryAfter's own constructor does)
# warns unless the library may answer with a timedelta, its future default: opt in.
os.environ.setdefault("PTB_TIMEDELTA", "true")

log = logging.getLogger(__name__)

OFFICIAL_API = "https://api.telegram.org"
CHAT_ID = re.compile(r"-?[0-9]{1,20}")
UNREACHABLE_BAD_REQUESTS = ("chat not found", "user not found", "peer_id_invalid")


def bot_api_urls(api_base_url: str = "") -> tuple[str, str]:
    """PTB's `base_url` and `base_file_url` for the Bot API at `api_base_url`
    (`https://api.telegram.org` when empty; a trailing `/bot` is accepted). PTB appends
    the token to each."""
    root = (api_base_url.strip() or OFFICIAL_API).rstrip("/").removesuffix("/bot")
    return f"{root}/bot", f"{root}/file/bot"


GET_ME_SECONDS = 5.0
"""How long the background getMe may take: it holds nothing, but a check that cannot
answer in 5 s has told what it can (the API is slow or unreachable)."""
GET_ME_AGAIN_SECONDS = 60.0
"""After a failed getMe, the next one starts with a send at least this much later."""


class NotSent(TimedOut):
    """No connection in time (to connect, or a free one in the pool): nothing went out."""


class ConnectionLost(NetworkError):
    """The request went out and the connection closed before a whole answer."""


class AiohttpRequest(BaseRequest):
    """PTB's transport for every call but getUpdates, over `bot.channels.http` (aiohttp)
    rather than httpx, for the CPU it saves per message. Its failures are PTB's, as
    HTTPXRequest's are (a timeout is `TimedOut`, any other network failure
    `NetworkError`), and say whether the request went out (`NotSent`, `ConnectionLost`).
    The pool's timeouts apply to every call: the calls Orienta makes pass none."""

    __slots__ = ("_http",)

    def __init__(self, api_base_url: str, timeout: float) -> None:
        base_url, _ = bot_api_urls(api_base_url)
        self._http = HttpClient(base_url, timeout, headers={"User-Agent": self.USER_AGENT})

    @property
    def read_timeout(self) -> float | None:
        return self._http.timeout.sock_read

    async def initialize(self) -> None:
        self._http.session()  # cheap and local: no request is made

    async def shutdown(self) -> None:
        await self._http.aclose()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        data, headers = _body(request_data)
        try:
            async with self._http.session().request(
                method, url, data=data, headers=headers
            ) as response:
                return response.status, await response.read()
        # Never chained: aiohttp's messages name the URL, and the URL holds the token.
        except FAILURES as exc:
            name = f"aiohttp.{type(exc).__name__}"
            if isinstance(exc, aiohttp.ConnectionTimeoutError):
                raise NotSent(name) from None
            if isinstance(exc, TimeoutError):
                raise TimedOut(name) from None
            if sent_without_answer(exc):
                raise ConnectionLost(name) from None
            raise NetworkError(name) from None


def _body(request_data: RequestData | None) -> tuple[Any, dict[str, str] | None]:
    """The call's parameters as HTTPXRequest sends them: a form, or multipart when files
    are uploaded (a recording), the parameters JSON-encoded either way."""
    if request_data is None:
        return None, None
    if not request_data.contains_files:
        return request_data.url_encoded_parameters().encode(), FORM
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form, None


def _make_bot(token: str, api_base_url: str, requests: tuple[BaseRequest, BaseRequest]) -> Bot:
    base_url, base_file_url = bot_api_urls(api_base_url)
    return Bot(
        token,
        base_url=base_url,
        base_file_url=base_file_url,
        request=requests[0],
        get_updates_request=requests[1],
    )


def _requests(api_base_url: str, timeout: float) -> tuple[BaseRequest, BaseRequest]:
    """One pool for sending (a dispatcher batch sends at once), one for getUpdates (a
    long poll, left to PTB's own HTTPXRequest: it is one request at a time)."""
    return AiohttpRequest(api_base_url, timeout), HTTPXRequest(connection_pool_size=1)


class TelegramSender:
    """Sends outbox rows with the Bot API (the dispatcher's `Sender` for Telegram).

    One per process (bot/web.py, bot/scheduling/worker.py): the webhook's replies and the
    dispatcher's rows share its connections and its pacing.
    """

    channel = "telegram"

    def __init__(
        self,
        token: str,
        api_base_url: str = "",
        *,
        timeout: float = 20.0,
        voice_files: VoiceFiles | None = None,
    ) -> None:
        self._voice_files = voice_files
        """Reads a recording's bytes from its URL (bot.voice.recordings.voice_loader): uploaded, so
        no public URL is needed."""
        self._requests = _requests(api_base_url, timeout)
        self.bot = _make_bot(token, api_base_url, self._requests)
        self._token_check: asyncio.Task[None] | None = None
        self._check_again_at = 0.0

    def _check_token(self) -> None:
        """Start getMe in the background, once (and again after a failure, a minute on):
        a refused token or an unreachable API is in the log from the first message.
        Never awaited by sending: a getMe Telegram is slow to answer held every reply
        queued behind it for its whole timeout (issue 15)."""
        if time.monotonic() < self._check_again_at:
            return
        self._check_again_at = math.inf  # until this one fails
        self._token_check = asyncio.create_task(self._get_me())

    async def _get_me(self) -> None:
        try:
            async with asyncio.timeout(GET_ME_SECONDS):
                await self.bot.get_me()  # caches the bot's user (bot.username)
        except Exception as exc:  # a background check: anything is logged, nothing raised
            self._check_again_at = time.monotonic() + GET_ME_AGAIN_SECONDS
            if isinstance(exc, TelegramError):
                reason = str(send_error(exc))
            elif isinstance(exc, TimeoutError):
                reason = f"no answer within {GET_ME_SECONDS:g} s"
            else:
                reason = type(exc).__name__
            log.warning("telegram getMe failed, sending goes on: %s", reason)

    async def ready(self) -> Bot:
        """The `Bot` with its getMe answered, for polling, which may wait for it (with
        the pool's timeout). A refused token raises `InvalidToken`, without the token."""
        try:
            await self.bot.initialize()  # both pools, then getMe
        except InvalidToken:
            # PTB's own message quotes the token.
            raise InvalidToken("bot token refused (TELEGRAM_BOT_TOKEN)") from None
        return self.bot

    async def send(
        self, address: str, payload: dict[str, Any], *, key: str, template: bool = False
    ) -> str:
        """Send the row as one message or more; the id of the last one. `key` has no use
        here (Telegram sends no status callbacks), nor `template` (WhatsApp's)."""
        outbound = Outbound.from_payload("telegram", address, payload)
        if outbound.media and not outbound.text:
            return await self._send_recordings(address, outbound.media)
        messages = render_telegram(outbound)
        if not messages:
            raise PermanentSendError("telegram: empty message, nothing to send")
        if not CHAT_ID.fullmatch(address):  # a phone number, say: never a Telegram chat
            raise PermanentSendError("telegram: address is not a chat id", unreachable=True)
        chat_id = int(address)
        message_id = ""
        self._check_token()
        try:
            # A text over the limit is several messages: a failure after the first means
            # the first ones are sent again on retry (rare: replies are short).
            for params in messages:
                sent = await self.bot.send_message(chat_id, **params)
                message_id = str(sent.message_id)
        except TelegramError as exc:
            raise send_error(exc) from exc
        return message_id

    async def _send_recordings(self, address: str, urls: tuple[str, ...]) -> str:
        """Upload each recording: a voice note for Ogg/Opus, an audio file otherwise. A
        recording deleted or replaced since the reply was written is skipped; when none
        is left, the row is cancelled (NothingToSend), not failed."""
        if not CHAT_ID.fullmatch(address):
            raise PermanentSendError("telegram: address is not a chat id", unreachable=True)
        message_id = ""
        for url in urls:
            found = await asyncio.to_thread(self._voice_files, url) if self._voice_files else None
            if found is None:
                log.info("telegram: recording no longer available, skipped")
                continue
            self._check_token()
            try:
                if found.content_type == "audio/ogg":
                    sent = await self.bot.send_voice(int(address), voice=found.data)
                else:
                    sent = await self.bot.send_audio(int(address), audio=found.data)
            except TelegramError as exc:
                raise send_error(exc) from exc
            message_id = str(sent.message_id)
        if not message_id:
            raise NothingToSend("telegram: recording no longer available")
        return message_id

    async def answer_callback(self, callback_query_id: str) -> bool:
        """Stop the pressed button's spinner. Best effort: the reply is the real answer,
        and a query answered late (over about 15 s) is refused by Telegram."""
        self._check_token()
        try:
            return await self.bot.answer_callback_query(callback_query_id)
        except TelegramError as exc:
            log.info("telegram callback query not answered: %s", type(exc).__name__)
            return False

    async def aclose(self) -> None:
        if self._token_check is not None and not self._token_check.done():
            self._token_check.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._token_check
        await self.bot.shutdown()  # nothing to do unless initialised (polling)
        for request in self._requests:
            await request.shutdown()  # closes the connection pool, once


def send_error(exc: TelegramError) -> SendError:
    """Our error for a Bot API failure. Never str(exc) whole: InvalidToken's carries the
    token; descriptions from Telegram itself ("Forbidden: bot was blocked…") are kept."""
    if isinstance(exc, RetryAfter):
        return TransientSendError("telegram 429: flood control", retry_after=_seconds(exc))
    if isinstance(exc, NotSent):
        return TransientSendError("telegram: timed out before sending")
    if isinstance(exc, TimedOut):
        # The request went out; Telegram may have sent the message.
        return UncertainSendError("telegram: no answer in time")
    if isinstance(exc, Forbidden):
        return PermanentSendError(f"telegram 403: {exc.message}", unreachable=True)
    if isinstance(exc, ChatMigrated):
        return PermanentSendError("telegram: the group moved to another chat", unreachable=True)
    if isinstance(exc, BadRequest):
        unreachable = any(text in exc.message.lower() for text in UNREACHABLE_BAD_REQUESTS)
        return PermanentSendError(f"telegram 400: {exc.message}", unreachable=unreachable)
    if isinstance(exc, InvalidToken):
        # Our credentials, not the person: try again once TELEGRAM_BOT_TOKEN is fixed.
        return TransientSendError("telegram: bot token refused (TELEGRAM_BOT_TOKEN)")
    if isinstance(exc, ConnectionLost):
        # It may have been sent, but the Bot API cannot be asked (no reconciliation):
        # an uncertain row would be sent again all the same, two minutes later
        # (OUTBOX_STALE_AFTER_SECONDS). Sooner is better for the person waiting.
        return TransientSendError("telegram: connection lost while sending")
    # 5xx, refused connections, anything else: later.
    return TransientSendError(f"telegram: {type(exc).__name__}")


def _seconds(exc: RetryAfter) -> float:
    wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


async def set_webhook(
    bot_token: str, public_base_url: str, secret: str, api_base_url: str = ""
) -> None:
    """Tell Telegram to post updates to `{public_base_url}/webhooks/telegram`, with
    `secret` in every request's secret token header (`orienta telegram set-webhook`)."""
    for name, value in (
        ("TELEGRAM_BOT_TOKEN", bot_token),
        ("PUBLIC_BASE_URL", public_base_url),
        ("TELEGRAM_WEBHOOK_SECRET", secret),
    ):
        if not value:
            raise ConfigError(f"Config '{name}' is missing, and has no default.")
    url = f"{public_base_url.rstrip('/')}/webhooks/telegram"
    requests = _requests(api_base_url, timeout=20.0)
    bot = _make_bot(bot_token, api_base_url, requests)
    try:
        async with bot:
            await bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
    except InvalidToken:
        raise ConfigError("Config 'TELEGRAM_BOT_TOKEN' was refused by Telegram.") from None
    except BadRequest as exc:
        raise ConfigError(f"Telegram refused the webhook {url}: {exc.message}") from exc
    except TelegramError as exc:
        raise OrientaError(f"Telegram could not be reached: {type(exc).__name__}") from exc
    finally:
        for request in requests:
            await request.shutdown()
