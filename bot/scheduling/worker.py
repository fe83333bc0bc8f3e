"""Background work: the outbox dispatcher and the scheduler (APScheduler 3, jobs.py).

`orienta worker` runs both (any number of workers on PostgreSQL: the scheduler's rows
are claimed with SKIP LOCKED and keyed, so two schedulers never send twice); `orienta
serve` runs them inside the web process, the embedded default on SQLite
(docs/architecture.md, Processes).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from bot.app import Orienta
from bot.scheduling.jobs import Jobs, build_scheduler

__all__ = ["run_worker", "start_scheduler"]

log = logging.getLogger(__name__)


def start_scheduler(orienta: Orienta) -> Any:
    """APScheduler running Orienta's periodic jobs on this event loop, their database work
    in the process's database threads (stop it with `.shutdown(wait=False)`)."""
    jobs = Jobs(orienta.sessions, orienta.engine, orienta.settings, orienta.engine.clock)
    scheduler = build_scheduler(jobs, orienta.db.run)
    scheduler.start()
    return scheduler


async def run_worker(orienta: Orienta, stop: asyncio.Event | None = None) -> None:
    """Dispatch and schedule until SIGTERM/SIGINT (or `stop`)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    dispatcher = orienta.dispatcher()
    sending = ", ".join(sorted(dispatcher.senders)) or "nothing"
    log.warning("worker started; sending on: %s", sending)
    scheduler = start_scheduler(orienta)
    try:
        await dispatcher.run(stop)
    finally:
        scheduler.shutdown(wait=False)
        await dispatcher.aclose()
