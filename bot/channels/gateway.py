"""What a provider's webhook routes may ask of Orienta: the `Gateway` port.

Routes know HTTP and their provider; they never touch the engine or the database. They
hand over an `Inbound` and get the replies back once everything is committed, or a
`NotStored` to answer with a 5xx (so that the provider tries again); they report
delivery states the same way. The composition root (bot/web.py) provides the gateway,
at `request.app.state.gateway`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.errors import OrientaError
from bot.messaging import Inbound, Outbound

if TYPE_CHECKING:
    from bot.channels.base import Sender
    from bot.settings import Settings

__all__ = ["DeliveryReport", "Gateway", "NotStored"]


class NotStored(OrientaError):
    """The message or report could not be stored (the database is down, full, locked
    too long): answer so that the provider delivers it again, never 2xx."""


@dataclass(frozen=True)
class DeliveryReport:
    """A provider's word on a message we sent (a status callback)."""

    key: str
    """The outbox row's idempotency key, which the provider carries back."""
    provider_id: str
    status: str
    """queued | sending | sent | delivered | read | failed"""
    error: str = ""
    """The provider's reason, for `last_error` (e.g. "twilio undelivered 30003")."""
    opted_out: bool = False
    """The person unsubscribed at the provider: treated as STOP."""


class Gateway(Protocol):
    @property
    def settings(self) -> Settings: ...

    async def receive(self, inbound: Inbound, *, send_now: bool = False) -> list[Outbound]:
        """Store and answer `inbound`; the replies once committed. With `send_now` (a
        channel whose webhook answer cannot carry replies), they are then to be sent
        with `send`. Raises NotStored."""
        ...

    async def send(self, replies: Sequence[Outbound]) -> None:
        """Send replies that `receive(..., send_now=True)` returned, now, through the
        process's one sender and pacing for their channel."""
        ...

    async def report(self, report: DeliveryReport) -> bool:
        """Record a delivery report; False when no message has its key (an erased
        person's: nothing to retry). Raises NotStored."""
        ...

    def sender(self, channel: str) -> Sender | None:
        """The process's sender for `channel`, if it has one."""
        ...
