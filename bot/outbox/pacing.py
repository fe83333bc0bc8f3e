"""Pacing: how fast one process sends on one channel.

At most `per_second` messages a second, spread evenly (no bursts to the provider), and
at least `per_chat_seconds` between two messages to one address (Telegram: about one a
second in one chat). A process has one `Pacer` per channel, shared by everything that
sends on it (the dispatcher and the webhook's immediate replies), so that the limits hold
for the process as a whole. Time and sleeping are injected: tests never wait.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from bot.channels.registry import Pacing

__all__ = ["Pacer"]

MAX_TRACKED_CHATS = 10_000
"""Addresses remembered for per-chat pacing before the ones long past are forgotten."""


class Pacer:
    def __init__(
        self,
        pacing: Pacing,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.pacing = pacing
        self._interval = 1.0 / pacing.per_second if pacing.per_second else 0.0
        self._next = 0.0
        self._last_to: dict[str, float] = {}
        self._monotonic = monotonic
        self._sleep = sleep
        self._lock = asyncio.Lock()

    async def wait(self, address: str | None = None) -> None:
        """Return when the next message (to `address`) may go."""
        if self._interval:
            async with self._lock:
                now = self._monotonic()
                delay = self._next - now
                self._next = max(now, self._next) + self._interval
            if delay > 0:
                await self._sleep(delay)
        per_chat = self.pacing.per_chat_seconds
        if per_chat and address is not None:
            now = self._monotonic()
            wait = self._last_to.get(address, 0.0) + per_chat - now
            self._last_to[address] = now + max(wait, 0.0)
            if len(self._last_to) > MAX_TRACKED_CHATS:
                self._forget(now - per_chat)
            if wait > 0:
                await self._sleep(wait)

    def _forget(self, before: float) -> None:
        self._last_to = {a: t for a, t in self._last_to.items() if t >= before}
