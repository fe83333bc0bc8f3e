"""Where a process runs its database work, off the event loop.

On SQLite, one thread: SQLite has one writer at a time, so every write of the process
(webhooks, the dispatcher, the scheduler) queues here, in order, instead of waiting in
SQLite's busy handler, which sleeps in steps of up to 100 ms. On PostgreSQL, as many
threads as there are connections to use at once (`DB_THREADS`).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from bot.storage.db import DB_THREADS

__all__ = ["DatabaseThreads"]

T = TypeVar("T")


class DatabaseThreads:
    def __init__(self, sqlite: bool, threads: int = DB_THREADS) -> None:
        self.size = 1 if sqlite else threads
        self._executor: ThreadPoolExecutor | None = None

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)`, in one of the threads; its result."""
        if self._executor is None:  # threads start with the first piece of work
            self._executor = ThreadPoolExecutor(self.size, thread_name_prefix="orienta-db")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args))

    def shutdown(self) -> None:
        """Wait for the work under way, then stop the threads (they start again if more
        work comes)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
