"""Channel types and the providers behind them: the registry every other part reads.

A *channel type* is what people use (SMS, WhatsApp, Telegram): its name, what it can
carry (`Capabilities`) and how a reply reads on it. A *provider* is the code that
receives and sends it (one folder under bot/channels/: `twilio/` provides SMS and
WhatsApp, `telegram/` Telegram): its webhook routes, its senders, its pacing.

    register(provider)        add a provider and its channel types
    channel_type("sms")       a channel type, by name
    channel_types()           all of them, in registration order
    providers()               every provider (the composition roots mount their routes)

The built-in providers are registered on first use; a plug-in registers its own
(`register(MyProvider())`), and nothing else changes: the engine, the outbox and the
dispatcher only ever read capabilities from here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.messaging import Outbound

if TYPE_CHECKING:
    import asyncio

    from starlette.routing import BaseRoute

    from bot.channels.base import Sender, VoiceFiles
    from bot.channels.gateway import Gateway
    from bot.settings import Settings

__all__ = [
    "BUILTIN_PROVIDERS",
    "Capabilities",
    "ChannelType",
    "Pacing",
    "Provider",
    "by_capability",
    "capabilities",
    "channel_type",
    "channel_types",
    "phone_channels",
    "providers",
    "register",
    "registered",
]

BUILTIN_PROVIDERS = (
    "bot.channels.twilio",
    "bot.channels.telegram",
    "bot.channels.email",
    "bot.channels.simulator",
)
"""Modules whose import registers a provider (each calls `register` at import)."""


@dataclass(frozen=True)
class Capabilities:
    """What a channel type can carry; everything Orienta does differently per channel
    is decided from these."""

    buttons: bool = False
    """Choices travel as tappable buttons, not as lines of the text (Telegram)."""
    media: bool = False
    """Images and audio can go with a text: recorded prompts are sent there."""
    max_length: int | None = None
    """The longest text one message may have, in UTF-16 code units (as Telegram counts;
    most characters are one unit). Longer replies are cut into several messages."""
    window: timedelta | None = None
    """The provider lets a business write freely only this long after the person's last
    message (WhatsApp: 24 hours); outside it, only an approved template."""
    segments: bool = False
    """Billed per SMS part: texts are folded to GSM-7 and menus kept compact."""
    phone: bool = False
    """Addresses are phone numbers in E.164: one phone on several such channels is one
    person, and a number shared from another channel reaches it."""
    fallback: str | None = None
    """Where an important message goes when this channel cannot deliver it (WhatsApp:
    SMS, to the same phone)."""
    share_phone: bool = False
    """A button lets the person share their own phone number (Telegram)."""
    people: bool = True
    """Returnees use it: they write from it, and Orienta may write first to them there
    (reminders, nudges, broadcasts). False for a partners-only channel (e-mail)."""
    simulated: bool = False
    """A stand-in for another channel in the admin's simulator (bot/channels/simulator.py):
    only test people are on it, and no provider sends on it."""


@dataclass(frozen=True)
class ChannelType:
    name: str
    """Stored with every identity and outbox row: never rename a channel in use."""
    capabilities: Capabilities
    body: Callable[[Outbound], str]
    """The text of a reply as sent: what counts against `max_length` (with the menu,
    unless choices travel as buttons)."""
    preview: Callable[[Outbound], str]
    """How a reply reads on a phone, as plain text (`orienta chat`, transcripts)."""
    provider: str
    """The provider that receives and sends it."""


@dataclass(frozen=True)
class Pacing:
    per_second: float | None = None
    """At most this many messages a second on the channel, per process."""
    per_chat_seconds: float = 0.0
    """At least this long between two messages to one address."""


class Provider:
    """Receives and sends some channel types. Subclasses override what they have."""

    name: str = ""
    channel_types: tuple[ChannelType, ...] = ()

    def receiving(self, settings: Settings) -> dict[str, bool]:
        """Per channel type, whether its webhooks have what they need to run."""
        return {t.name: False for t in self.channel_types}

    def routes(self) -> Sequence[BaseRoute]:
        """Its webhook routes (status callbacks included); handlers find the app's
        `Gateway` in `request.app.state.gateway`."""
        return ()

    def senders(self, settings: Settings, voice_files: VoiceFiles | None) -> dict[str, Sender]:
        """A sender per channel type it can send on with these settings."""
        return {}

    def pacing(self, settings: Settings) -> dict[str, Pacing]:
        return {}

    def polls(self, settings: Settings) -> bool:
        """Whether it can fetch messages instead of being called (`serve --…-polling`)."""
        return False

    async def poll(self, gateway: Gateway, stop: asyncio.Event) -> None:
        """Fetch and hand over messages until `stop` is set."""
        raise NotImplementedError


_PROVIDERS: dict[str, Provider] = {}
_TYPES: dict[str, ChannelType] = {}
_loaded = False


def register(provider: Provider) -> Provider:
    """Add `provider` and its channel types (a provider of the same name is replaced)."""
    for old in _PROVIDERS.get(provider.name, Provider()).channel_types:
        _TYPES.pop(old.name, None)
    _PROVIDERS[provider.name] = provider
    for kind in provider.channel_types:
        _TYPES[kind.name] = kind
    return provider


@contextmanager
def registered(provider: Provider) -> Iterator[Provider]:
    """`provider` registered for the duration of a block (tests)."""
    _load_builtins()
    previous = _PROVIDERS.get(provider.name)
    register(provider)
    try:
        yield provider
    finally:
        for kind in provider.channel_types:
            _TYPES.pop(kind.name, None)
        del _PROVIDERS[provider.name]
        if previous is not None:
            register(previous)


def _load_builtins() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in BUILTIN_PROVIDERS:
            importlib.import_module(module)


def providers() -> tuple[Provider, ...]:
    _load_builtins()
    return tuple(_PROVIDERS.values())


def channel_types() -> tuple[ChannelType, ...]:
    _load_builtins()
    return tuple(_TYPES.values())


def channel_type(name: str) -> ChannelType:
    _load_builtins()
    try:
        return _TYPES[name]
    except KeyError:
        raise KeyError(f"No channel type {name!r} is registered.") from None


def capabilities(name: str) -> Capabilities:
    """The capabilities of a channel type; none at all for an unknown name (a row of a
    channel since removed is then simply not sent)."""
    _load_builtins()
    found = _TYPES.get(name)
    return found.capabilities if found is not None else Capabilities(people=False)


def phone_channels() -> tuple[str, ...]:
    """Channel types whose addresses are phone numbers (one person across them)."""
    return tuple(t.name for t in channel_types() if t.capabilities.phone)


def by_capability(**wanted: object) -> tuple[str, ...]:
    """Names of the channel types whose capabilities have these values."""
    return tuple(
        t.name
        for t in channel_types()
        if all(getattr(t.capabilities, key) == value for key, value in wanted.items())
    )
