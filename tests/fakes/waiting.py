"""Waiting for something to happen without sleeping: a condition re-checked each time a
fake is told of a change (a message received), and every half second for conditions on
what the fakes cannot see (a row's status in the database). `FakeProvider` is what the
fake provider APIs share: they tell of what they receive, and can hold their answers."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

RECHECK_SECONDS = 0.5


def wait_until(
    changed: threading.Condition, condition: Callable[[], bool], what: str, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    with changed:
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for {what}")
            changed.wait(min(remaining, RECHECK_SECONDS))


def notify(changed: threading.Condition) -> None:
    with changed:
        changed.notify_all()


def _released() -> threading.Event:
    event = threading.Event()
    event.set()
    return event


@dataclass
class FakeProvider:
    answers: threading.Event = field(default_factory=_released)
    """Cleared by `hold_answers`: requests are taken in, their answers wait for it."""
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def hold_answers(self) -> None:
        """Take requests in (a message accepted, sent) but keep their answers until
        `release_answers`: the client times out, not knowing."""
        self.answers.clear()

    def release_answers(self) -> None:
        self.answers.set()

    def wait_until(self, condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
        """Return once `condition()` holds, checked at each request the fake receives."""
        wait_until(self._changed, condition, what, timeout)

    def _received(self) -> None:
        notify(self._changed)

    async def _answer_when_released(self) -> None:
        if not self.answers.is_set():
            await asyncio.to_thread(self.answers.wait, 60)
