"""Telegram: verified webhook updates in, Bot API messages out (python-telegram-bot v22).

python-telegram-bot is our transport only: it reads an update into typed objects and
calls the Bot API, and its typed errors are mapped onto ours. Our flows run the same on
every channel, so none of its handlers or conversations are used.

An update is trusted only when its `X-Telegram-Bot-Api-Secret-Token` header equals the
secret registered with `setWebhook`. Chat ids, phone numbers and texts are never logged.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Required, TypedDict

import httpx
from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Sticker,
    Update,
)
from telegram.constants import ChatType, MessageLimit
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
from telegram.request import HTTPXRequest

from bot.channels.base import (
    NothingToSend,
    PermanentSendError,
    SendError,
    TransientSendError,
    UncertainSendError,
)
from bot.channels.phones import to_e164
from bot.channels.render import render_numbered_menu
from bot.errors import ConfigError, OrientaError
from bot.i18n import M, translate
from bot.messaging import Choice, Inbound, Outbound
from bot.types import Channel
from bot.voice import VoiceFile

__all__ = [
    "MAX_TEXT",
    "SECRET_HEADER",
    "TelegramInbound",
    "TelegramSender",
    "bot_api_urls",
    "inline_keyboard",
    "parse_update",
    "render_telegram",
    "request_phone_keyboard",
    "set_webhook",
    "split_text",
    "verify_secret",
]

# From v22.2, reading RetryAfter.retry_after (which RetryAfter's own constructor does)
# warns unless the library may answer with a timedelta, its future default: opt in.
os.environ.setdefault("PTB_TIMEDELTA", "true")

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
OFFICIAL_API = "https://api.telegram.org"
ALLOWED_UPDATES = ["message", "callback_query"]
MAX_TEXT = int(MessageLimit.MAX_TEXT_LENGTH)  # 4096, counted in UTF-16 code units
MAX_LABEL = 60
SHORT_BUTTON = 20  # buttons this short go two to a row
CHAT_ID = re.compile(r"-?[0-9]{1,20}")
SEPARATORS = ("\n\n", "\n", " ")  # where a long text is cut, best first
UNREACHABLE_BAD_REQUESTS = ("chat not found", "user not found", "peer_id_invalid")

SHARE_PHONE = M("telegram.share_phone", "Partager mon numéro de téléphone")


# -- updates in --------------------------------------------------------------------------


@dataclass(frozen=True)
class TelegramInbound:
    """An update as our `Inbound`, with what only Telegram has."""

    inbound: Inbound
    callback_query_id: str | None = None
    """A button was pressed: answer this query, or the button keeps spinning."""
    phone: str | None = None
    """The person shared their own phone number (E.164): link this chat to it. Sensitive."""

    def __repr__(self) -> str:  # never print the phone number
        return f"TelegramInbound({self.inbound!r}, callback={self.callback_query_id is not None})"


def verify_secret(header_value: str | None, expected: str) -> bool:
    """The secret token header is the one we registered (and one is configured at all)."""
    if not header_value or not expected:
        return False
    return hmac.compare_digest(header_value.encode(), expected.encode())


def parse_update(data: dict[str, Any]) -> TelegramInbound | None:
    """A private message or button press as an `Inbound`; None for everything else
    (edited messages, channel posts, groups, membership changes…): nothing to store."""
    try:
        update = Update.de_json(data, None)
    except (KeyError, TypeError, ValueError, AttributeError):
        log.warning("telegram update ignored: not a Bot API Update")
        return None
    if update.callback_query is not None:
        return _from_button(update.update_id, update.callback_query)
    if update.message is not None:
        return _from_message(update.update_id, update.message)
    return None


def _from_message(update_id: int, message: Message) -> TelegramInbound | None:
    if message.chat.type != ChatType.PRIVATE or message.from_user is None:
        return None  # an orientation is a private conversation, never a group's
    inbound = Inbound(
        channel="telegram",
        address=str(message.chat.id),
        text=message.text or message.caption or "",
        provider_id=f"tg-{update_id}",
        media=_media(message),
        received_at=message.date,
    )
    phone = _own_phone(message)
    if phone:
        inbound = replace(inbound, shared_phone=phone, media=())
    return TelegramInbound(inbound, phone=phone)


def _from_button(update_id: int, query: CallbackQuery) -> TelegramInbound | None:
    chat = query.message.chat if query.message is not None else None
    if chat is not None and chat.type != ChatType.PRIVATE:
        return None
    # Our buttons carry the choice number, which the flow reads like a typed answer.
    inbound = Inbound(
        channel="telegram",
        address=str(chat.id if chat is not None else query.from_user.id),
        text=query.data or "",
        provider_id=f"tg-{update_id}",
    )
    return TelegramInbound(inbound, callback_query_id=query.id)


def _media(message: Message) -> tuple[str, ...]:
    """Content types of what is attached (a sticker counts, with no text)."""
    found: list[str] = []
    if message.photo:
        found.append("image/jpeg")  # Telegram re-encodes every photo as JPEG
    if message.sticker is not None:
        found.append(_sticker_type(message.sticker))
    if message.voice is not None:
        found.append(message.voice.mime_type or "audio/ogg")
    if message.audio is not None:
        found.append(message.audio.mime_type or "audio/mpeg")
    if message.video is not None:
        found.append(message.video.mime_type or "video/mp4")
    if message.video_note is not None:
        found.append("video/mp4")
    if message.animation is not None:
        found.append(message.animation.mime_type or "video/mp4")
    elif message.document is not None:  # an animation comes with its document twin
        found.append(message.document.mime_type or "application/octet-stream")
    return tuple(found)


def _sticker_type(sticker: Sticker) -> str:
    if sticker.is_animated:
        return "application/x-tgsticker"
    return "video/webm" if sticker.is_video else "image/webp"


def _own_phone(message: Message) -> str | None:
    """The number from a shared contact card, only when it is the sender's own: someone
    else's card is never linked to this person."""
    contact = message.contact
    if contact is None or message.from_user is None or contact.user_id != message.from_user.id:
        return None
    number = contact.phone_number.strip()
    # Telegram gives international numbers without their "+".
    return to_e164(number if number.startswith("+") else f"+{number}")


# -- messages out ------------------------------------------------------------------------


class SendParams(TypedDict, total=False):
    """Keyword arguments of `Bot.send_message` for one message."""

    text: Required[str]
    reply_markup: InlineKeyboardMarkup | ReplyKeyboardMarkup


def render_telegram(outbound: Outbound) -> list[SendParams]:
    """The messages `outbound` is sent as: its text cut under Telegram's limit, the
    choices as buttons under the last one. Empty when there is nothing to say."""
    if not outbound.choices:
        plain = [SendParams(text=chunk) for chunk in split_text(outbound.text)]
        if outbound.ask_phone and plain:
            plain[-1]["reply_markup"] = request_phone_keyboard(outbound.language)
        return plain
    text = outbound.text
    if any(len(choice.label) > MAX_LABEL for choice in outbound.choices):
        # Shortened buttons would hide part of a choice (an answer in the summary, say):
        # the text lists every choice whole as well.
        text = render_numbered_menu(outbound)
    chunks = split_text(text)
    messages: list[SendParams] = [{"text": chunk} for chunk in chunks or ["…"]]
    messages[-1]["reply_markup"] = inline_keyboard(outbound.choices)
    return messages


def inline_keyboard(choices: tuple[Choice, ...]) -> InlineKeyboardMarkup:
    """One button per choice, sending its number. Where several answers are allowed
    (`multi`), a tap gives the one it carries; typing "1,3" still gives several."""
    buttons = [
        InlineKeyboardButton(_button_text(choice), callback_data=str(choice.number))
        for choice in choices
    ]
    per_row = 2 if all(len(button.text) <= SHORT_BUTTON for button in buttons) else 1
    return InlineKeyboardMarkup(
        [buttons[start : start + per_row] for start in range(0, len(buttons), per_row)]
    )


def _button_text(choice: Choice) -> str:
    """`3. Label`: the number, for people who would rather type it."""
    label = choice.label
    if len(label) > MAX_LABEL:
        cut = label[: MAX_LABEL - 1]
        space = cut.rfind(" ")
        if space >= MAX_LABEL * 2 // 3:  # end on a whole word, unless it costs too much
            cut = cut[:space]
        label = cut.rstrip(" ,;:-") + "…"
    return f"{choice.number}. {label}"


def request_phone_keyboard(language: str | None = None) -> ReplyKeyboardMarkup:
    """A keyboard whose one button shares the person's own phone number (see `phone`)."""
    button = KeyboardButton(translate(SHARE_PHONE, language), request_contact=True)
    return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """`text` in pieces of at most `limit` UTF-16 units (as Telegram counts), cut at a
    paragraph, else a line, else a word boundary; only the whitespace at a cut is lost."""
    chunks: list[str] = []
    rest = text.strip()
    while rest:
        end = _fitting(rest, limit)
        if end == len(rest):
            chunks.append(rest)
            break
        cut = _boundary(rest, end)
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return chunks


def _fitting(text: str, limit: int) -> int:
    """How many characters from the start of `text` fit in `limit` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def _boundary(text: str, end: int) -> int:
    """Where to cut `text`, at most `end` characters in: the best kind of break in the
    second half, else the last break of any kind, else `end` (one very long word)."""
    for separator in SEPARATORS:
        at = text.rfind(separator, end // 2, end + len(separator))
        if at > 0:
            return at
    at = max(text.rfind(" ", 1, end + 1), text.rfind("\n", 1, end + 1))
    return at if at > 0 else end


# -- the Bot API -------------------------------------------------------------------------


def bot_api_urls(api_base_url: str = "") -> tuple[str, str]:
    """PTB's `base_url` and `base_file_url` for the Bot API at `api_base_url`
    (`https://api.telegram.org` when empty; a trailing `/bot` is accepted). PTB appends
    the token to each."""
    root = (api_base_url.strip() or OFFICIAL_API).rstrip("/").removesuffix("/bot")
    return f"{root}/bot", f"{root}/file/bot"


def _make_bot(token: str, api_base_url: str, requests: tuple[HTTPXRequest, HTTPXRequest]) -> Bot:
    base_url, base_file_url = bot_api_urls(api_base_url)
    return Bot(
        token,
        base_url=base_url,
        base_file_url=base_file_url,
        request=requests[0],
        get_updates_request=requests[1],
    )


def _requests(timeout: float) -> tuple[HTTPXRequest, HTTPXRequest]:
    """One pool for sending (a dispatcher batch sends at once), one for getUpdates."""
    sending = HTTPXRequest(
        connection_pool_size=64,
        read_timeout=timeout,
        write_timeout=timeout,
        connect_timeout=timeout,
        pool_timeout=timeout,
    )
    return sending, HTTPXRequest(connection_pool_size=1)


class TelegramSender:
    """Sends outbox rows with the Bot API (the dispatcher's `Sender` for Telegram).

    The Bot API takes no idempotency key and has no message list to reconcile with, so
    a row left *sending* by a crash is sent again (see docs/channels.md).
    """

    channel: Channel = "telegram"

    def __init__(
        self,
        token: str,
        api_base_url: str = "",
        *,
        timeout: float = 20.0,
        voice_files: Callable[[str], VoiceFile | None] | None = None,
    ) -> None:
        self._voice_files = voice_files
        """Reads a recording's bytes from its URL (bot.voice.voice_loader): uploaded, so
        no public URL is needed."""
        self._requests = _requests(timeout)
        self.bot = _make_bot(token, api_base_url, self._requests)
        self._initialising = asyncio.Lock()

    async def _ready(self) -> Bot:
        async with self._initialising:
            await self.bot.initialize()  # getMe, once: a refused token shows at once
        return self.bot

    async def ready(self) -> Bot:
        """The initialised `Bot` (for polling)."""
        return await self._ready()

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
        try:
            bot = await self._ready()
            # A text over the limit is several messages: a failure after the first means
            # the first ones are sent again on retry (rare: replies are short).
            for params in messages:
                sent = await bot.send_message(chat_id, **params)
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
            try:
                bot = await self._ready()
                if found.content_type == "audio/ogg":
                    sent = await bot.send_voice(int(address), voice=found.data)
                else:
                    sent = await bot.send_audio(int(address), audio=found.data)
            except TelegramError as exc:
                raise send_error(exc) from exc
            message_id = str(sent.message_id)
        if not message_id:
            raise NothingToSend("telegram: recording no longer available")
        return message_id

    async def answer_callback(self, callback_query_id: str) -> bool:
        """Stop the pressed button's spinner. Best effort: the reply is the real answer,
        and a query answered late (over about 15 s) is refused by Telegram."""
        try:
            bot = await self._ready()
            return await bot.answer_callback_query(callback_query_id)
        except TelegramError as exc:
            log.info("telegram callback query not answered: %s", type(exc).__name__)
            return False

    async def aclose(self) -> None:
        await self.bot.shutdown()  # nothing to do unless initialised
        for request in self._requests:
            await request.shutdown()  # closes the connection pool, once


def send_error(exc: TelegramError) -> SendError:
    """Our error for a Bot API failure. Never str(exc) whole: InvalidToken's carries the
    token; descriptions from Telegram itself ("Forbidden: bot was blocked…") are kept."""
    if isinstance(exc, RetryAfter):
        return TransientSendError("telegram 429: flood control", retry_after=_seconds(exc))
    if isinstance(exc, TimedOut):
        if isinstance(exc.__cause__, httpx.ConnectTimeout | httpx.PoolTimeout):
            return TransientSendError("telegram: timed out before sending")
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
    if isinstance(exc, NetworkError) and isinstance(exc.__cause__, httpx.RemoteProtocolError):
        return UncertainSendError("telegram: connection lost while sending")
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
    requests = _requests(timeout=20.0)
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
