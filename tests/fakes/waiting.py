"""Waiting for something to happen without sleeping: a condition re-checked each time a
fake is told of a change (a message received), and every half second for conditions on
what the fakes cannot see (a row's status in the database)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

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
