"""What every channel's sender does, and the errors the dispatcher understands.

A sender turns one outbox row into one provider API call. It never touches the database:
the dispatcher claims rows, calls `send`, and records what happened.

    SendError
    ├── TransientSendError   429, 5xx, timeouts: try again later (retry_after if the
    │                        provider said how long)
    └── PermanentSendError   the address cannot be reached (invalid number, bot blocked,
                             person unsubscribed): stop sending there
"""

from __future__ import annotations

from typing import Any, Protocol

from bot.errors import OrientaError
from bot.types import Channel

__all__ = ["PermanentSendError", "SendError", "Sender", "TransientSendError"]


class SendError(OrientaError):
    pass


class TransientSendError(SendError):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentSendError(SendError):
    def __init__(self, reason: str, *, opted_out: bool = False) -> None:
        super().__init__(reason)
        self.opted_out = opted_out
        """The person unsubscribed at the provider (Twilio 21610): treat as STOP."""


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
