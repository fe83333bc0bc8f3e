"""Orienta's web app, counting SQLite's lock waits: how often a transaction of the
process had to wait for another connection's write lock (in SQLite's busy handler,
which sleeps in steps of up to 100 ms), and for how long.

    uvicorn --factory bench.lockwaits:app          # BENCH_SERVE=1: as `orienta serve`

Each transaction begins with BEGIN IMMEDIATE (bot/storage/db.py). Here it is first tried
with no busy timeout: when the lock is held by another connection that fails at once and
counts as one wait, then BEGIN is issued again and waits as Orienta's would, its time
added to the total.
`GET /bench/lock-waits` answers the counts so far; `POST` resets them.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import bot.storage.db as db

_lock = threading.Lock()
_stats = {"begins": 0, "waits": 0, "waited_ms": 0.0}
_original_begin = db._sqlite_begin


def _counting_begin(connection: Any) -> None:
    raw = connection.connection.driver_connection
    if not isinstance(raw, sqlite3.Connection):
        _original_begin(connection)
        return
    contended = False
    raw.execute("PRAGMA busy_timeout=0")
    try:
        raw.execute("BEGIN IMMEDIATE")  # the lock was free: this is the transaction's BEGIN
    except sqlite3.OperationalError:  # another connection holds the write lock
        contended = True
    finally:
        raw.execute(f"PRAGMA busy_timeout={db.SQLITE_BUSY_TIMEOUT_MS}")
    waited_ms = 0.0
    if contended:
        started = time.perf_counter()
        _original_begin(connection)  # waits in the busy handler, as Orienta's would
        waited_ms = (time.perf_counter() - started) * 1000
    with _lock:
        _stats["begins"] += 1
        if contended:
            _stats["waits"] += 1
            _stats["waited_ms"] += waited_ms


db._sqlite_begin = _counting_begin  # make_engine() reads it when the app opens Orienta


async def lock_waits(request: Request) -> Response:
    with _lock:
        if request.method == "POST":
            _stats.update(begins=0, waits=0, waited_ms=0.0)
        return JSONResponse(dict(_stats))


def app() -> Starlette:
    from bot.web import create_app

    inner = create_app(dispatcher=os.environ.get("BENCH_SERVE") == "1")
    inner.router.routes.append(Route("/bench/lock-waits", lock_waits, methods=["GET", "POST"]))
    return inner
