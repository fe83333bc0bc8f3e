"""The neutral messages that cross between channels and the engine.

A channel adapter turns a provider's payload into an `Inbound`, and renders each
`Outbound` with what the channel can show (buttons, numbered lists, SMS menus).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.types import Channel

__all__ = ["Choice", "Inbound", "Outbound"]


@dataclass(frozen=True)
class Inbound:
    channel: Channel
    address: str
    """Phone number in E.164, Telegram chat id, or console user name. Sensitive."""
    text: str = ""
    provider_id: str | None = None
    """The provider's message id (Twilio MessageSid, Telegram update_id): a message
    delivered twice with the same id is handled once."""
    media: tuple[str, ...] = ()
    """Content types of attached media (images, audio, stickers)."""
    received_at: datetime | None = None
    shared_phone: str | None = None
    """The person's own phone number (E.164), shared from the chat app (Telegram's
    contact button): links this chat to their SMS and WhatsApp identity. Sensitive."""
    language: str | None = None
    """A language already known for a new person (the terminal's --lang): the language
    question is then skipped. Channels leave it empty; people choose."""

    def __repr__(self) -> str:  # never print the address or the text
        return f"Inbound(channel={self.channel!r}, provider_id={self.provider_id!r})"


@dataclass(frozen=True)
class Choice:
    number: int
    key: str
    label: str


@dataclass(frozen=True)
class Outbound:
    channel: Channel
    address: str
    text: str
    choices: tuple[Choice, ...] = ()
    multi: bool = False
    """Several choices may be given at once."""
    message_ids: tuple[str, ...] = field(default=())
    """Ids of the messages this text is made of (for voice recordings)."""
    language: str = "fr"
    important: bool = False
    """Must reach the person: when WhatsApp cannot deliver it, it is sent by SMS."""
    ask_phone: bool = False
    """Offer a button to share one's phone number, where the channel has one (Telegram)."""
    key: str = ""
    """The idempotency key of this message's outbox row (set once it is stored)."""
    claimed_id: int | None = None
    """The id of its outbox row when that row was stored already claimed for sending
    ('sending'), for the caller to send at once (`Engine.handle(..., send_now=True)`)."""
    media: tuple[str, ...] = ()
    """Public URLs of images or audio sent with the text (WhatsApp, Telegram; SMS drops
    them). A voice prompt is an Outbound of its own, with no text and one URL,
    `{PUBLIC_BASE_URL}/media/voice/{id}-{sha256[:16]}.{ext}`, placed before the reply it
    reads out: Twilio fetches that URL, the Telegram sender uploads the bytes behind it
    (see bot/voice.py)."""

    def __repr__(self) -> str:
        return f"Outbound(channel={self.channel!r}, message_ids={self.message_ids!r})"

    def payload(self) -> dict[str, Any]:
        """What the outbox stores: everything but the address."""
        return {
            "text": self.text,
            "choices": [[c.number, c.key, c.label] for c in self.choices],
            "multi": self.multi,
            "message_ids": list(self.message_ids),
            "language": self.language,
            "important": self.important,
            "ask_phone": self.ask_phone,
            "media": list(self.media),
        }

    @classmethod
    def from_payload(cls, channel: Channel, address: str, payload: dict[str, Any]) -> Outbound:
        return cls(
            channel=channel,
            address=address,
            text=payload["text"],
            choices=tuple(Choice(n, k, label) for n, k, label in payload.get("choices", [])),
            multi=bool(payload.get("multi", False)),
            message_ids=tuple(payload.get("message_ids", [])),
            language=payload.get("language", "fr"),
            important=bool(payload.get("important", False)),
            ask_phone=bool(payload.get("ask_phone", False)),
            media=tuple(payload.get("media", [])),
        )
