"""What every channel's sender does, and the errors the dispatcher understands.

A sender turns one outbox row into one provider API call. It never touches the database:
the dispatcher claims rows, calls `send`, and records what happened.

    SendError
    ├── TransientSendError   429, 5xx, refused connections, wrong credentials: try
    │   │                    again later (retry_after if the provider said how long)
    │   └── UncertainSendError   a timeout once the request was sent: reconcile
    └── PermanentSendError   this message will never go (bad request); `unreachable`
                             when the address itself cannot be (invalid number, bot
                             blocked, person unsubscribed): stop sending there

    NothingToSend            not an error: the row has nothing left to send (its voice
                             recording was deleted or replaced since): cancelled
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bot.errors import OrientaError
from bot.types import Channel

__all__ = [
    "NothingToSend",
    "PermanentSendError",
    "SendError",
    "Sender",
    "TransientSendError",
    "UncertainSendError",
    "VoiceFile",
    "VoiceFiles",
]


class SendError(OrientaError):
    pass


class TransientSendError(SendError):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class UncertainSendError(TransientSendError):
    """The call may have reached the provider (a timeout after sending): the row stays
    'sending' and is reconciled, never resent blindly."""


class PermanentSendError(SendError):
    def __init__(self, reason: str, *, unreachable: bool = False, opted_out: bool = False) -> None:
        super().__init__(reason)
        self.unreachable = unreachable or opted_out
        """The address itself cannot be reached: stop sending there."""
        self.opted_out = opted_out
        """The person unsubscribed at the provider (Twilio 21610): treat as STOP."""


class NothingToSend(OrientaError):
    """Nothing of the row is left to send (a recording deleted or replaced between the
    reply and its sending): the row is cancelled, never retried, and it is no error."""


@dataclass(frozen=True)
class VoiceFile:
    """A recorded prompt's bytes, for a sender that uploads recordings (Telegram) rather
    than giving the provider their URL."""

    data: bytes
    content_type: str


VoiceFiles = Callable[[str], VoiceFile | None]
"""Reads the recording behind a voice URL (bot/voice/recordings.py, `voice_loader`)."""


class Sender(Protocol):
    channel: Channel

    async def send(
        self, address: str, payload: dict[str, Any], *, key: str, template: bool = False
    ) -> str:
        """Send one outbox payload (see `Outbound.payload`) to `address`; return the
        provider's message id. `key` is the row's idempotency key, for the provider's
        status callback to carry back; `template`: wrap it in the channel's approved
        template (WhatsApp outside its 24-hour window). Raises a SendError on failure."""
        ...

    async def aclose(self) -> None: ...
