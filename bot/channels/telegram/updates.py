"""Telegram updates in: the secret token checked, a private message or button press read
into our `Inbound` (python-telegram-bot reads the JSON; none of its handlers are used).

An update is trusted only when its `X-Telegram-Bot-Api-Secret-Token` header equals the
secret registered with `setWebhook`. Chat ids, phone numbers and texts are never logged.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass, replace
from typing import Any

from telegram import CallbackQuery, Message, Sticker, Update
from telegram.constants import ChatType

from bot.channels.phones import to_e164
from bot.messaging import Inbound

__all__ = ["ALLOWED_UPDATES", "SECRET_HEADER", "TelegramInbound", "parse_update", "verify_secret"]

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]


@dataclass(frozen=True)
class TelegramInbound:
    """An update as our `Inbound`, with what only Telegram has."""

    inbound: Inbound
    callback_query_id: str | None = None
    """A button was pressed: answer this query, or the button keeps spinning."""

    def __repr__(self) -> str:
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
    return TelegramInbound(inbound)


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
