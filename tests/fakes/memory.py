"""In-memory fakes for unit tests: a sender (the `Sender` port) that records what it is
given and fails as told, and a clock for code that paces itself, whose sleeps pass at
once. End-to-end tests use the loopback fakes of the real APIs instead (twilio_api.py,
telegram_api.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Sent:
    address: str
    payload: dict[str, Any]
    key: str
    template: bool

    @property
    def text(self) -> str:
        return str(self.payload.get("text", ""))


@dataclass
class MemorySender:
    channel: str
    template_sid: str = ""
    sent: list[Sent] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)
    """Raised by the next calls, one each, before anything is sent."""
    attempts: int = 0
    closed: bool = False

    async def send(
        self, address: str, payload: dict[str, Any], *, key: str, template: bool = False
    ) -> str:
        self.attempts += 1
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(Sent(address, payload, key, template))
        return f"{self.channel}-{len(self.sent)}"

    async def aclose(self) -> None:
        self.closed = True

    def texts(self) -> list[str]:
        return [s.text for s in self.sent]


@dataclass
class ReconcilingMemorySender(MemorySender):
    """A sender whose provider can be asked what it accepted (as Twilio can)."""

    accepted_elsewhere: dict[str, str] = field(default_factory=dict)
    """Text → provider id of messages the provider has although we never recorded them."""

    async def find_sent(self, address: str, payload: dict[str, Any], since: datetime) -> str | None:
        return self.accepted_elsewhere.get(str(payload.get("text", "")))


@dataclass
class FakeTime:
    """`monotonic` and `sleep` for a `Pacer`: sleeping moves the time on, at once."""

    now: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)
