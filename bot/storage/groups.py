"""Group commit: the database work of requests that arrive together, written in one
transaction, a piece that fails rolled back alone.

A webhook's turn costs far less than the commit that makes it durable (a WAL write on
SQLite, a round trip and an fsync on PostgreSQL) and than the hand-off to a database
thread and back. So the turns waiting when a database thread comes free go to it
together: one hand-off, one BEGIN, one COMMIT. Nobody is answered before the commit:
each caller's future resolves only once its work is stored, and a failed commit fails
every caller of the batch (they answer 5xx; the provider delivers again).

- One failing piece never fails the others. A batch runs first without savepoints (they
  cost two statements a piece); if a piece fails, all of it is rolled back and it runs
  again with a savepoint each, the failing piece rolled back alone. A piece refused by
  a unique key (the same message delivered twice, the same new person created by two
  requests) or whose versioned row changed runs again, and finds then what it met.
- Per-key order: pieces with the same key (one person's messages) run in the order they
  were given, and never in two batches at once (on PostgreSQL, where batches run in
  several threads): a later message waits for the batch holding an earlier one.
- A batch starts as soon as one may (`MAX_IN_FLIGHT`): a lone request waits for nobody.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from bot.storage.threads import DatabaseThreads

__all__ = ["ATTEMPTS", "GroupCommit", "Work", "in_savepoints"]

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[Session], Any]
"""A piece of database work: runs in the batch's session; raising rolls back only it.
It may run more than once (after a conflict, or when another piece of its batch failed
and the batch ran again): it must do nothing but database work."""

MAX_BATCH = 32
"""Pieces per transaction: enough to share a commit among a burst, few enough that the
first of them is not kept waiting for the last."""
MAX_IN_FLIGHT = 2
"""Batches at once (never more than there are threads): one in Python while the other
waits for the database. More would each hold fewer turns and a transaction of their
own, and only take turns on the GIL (a web process's database work is Python, mostly)."""
ATTEMPTS = 3
"""Runs of a piece that met a conflict (`_runs_again`) before its caller gets the error."""


@dataclass
class _Piece:
    work: Work
    key: str | None
    future: asyncio.Future[Any]


class GroupCommit:
    """Runs database work in `threads`, the pieces waiting together in one transaction."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        threads: DatabaseThreads,
        max_batch: int = MAX_BATCH,
        max_in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        self.sessions = sessions
        self.threads = threads
        self.max_batch = max_batch
        self.max_in_flight = min(max_in_flight, threads.size)
        self._waiting: deque[_Piece] = deque()
        self._keys_in_flight: set[str] = set()
        self._batches_in_flight = 0
        self._tasks: set[asyncio.Task[None]] = set()  # the loop keeps only weak references
        self.batches = 0
        """Transactions committed (or tried): a figure for benchmarks and tests."""

    async def run(self, work: Callable[[Session], T], *, key: str | None = None) -> T:
        """`work(session)`'s result once it is committed, with whatever else was waiting;
        its exception if it failed (rolled back alone) or if the commit failed."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Piece(work, key, future))
        self._start_batches()
        return await future

    def _start_batches(self) -> None:
        while self._waiting and self._batches_in_flight < self.max_in_flight:
            batch = self._take()
            if not batch:
                return  # all that waits is behind a batch in flight
            self._batches_in_flight += 1
            task = asyncio.get_running_loop().create_task(self._run_batch(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _take(self) -> list[_Piece]:
        """Up to `max_batch` waiting pieces, in order, leaving those whose key is in a
        batch in flight (and, with them, every later piece of that key)."""
        busy = self._keys_in_flight
        taken: list[_Piece] = []
        left: deque[_Piece] = deque()
        while self._waiting and len(taken) < self.max_batch:
            piece = self._waiting.popleft()
            if piece.future.done():  # its caller gave up (a client hung up) before it ran
                continue
            if piece.key is not None and piece.key in busy:
                left.append(piece)
            else:
                taken.append(piece)
        self._waiting.extendleft(reversed(left))
        for piece in taken:
            if piece.key is not None:
                busy.add(piece.key)
        return taken

    async def _run_batch(self, batch: list[_Piece]) -> None:
        works = [p.work for p in batch]
        running = asyncio.ensure_future(self.threads.run(self.commit_batch, works))
        try:
            outcomes: list[_Done | BaseException] = await asyncio.shield(running)
        except asyncio.CancelledError:
            # Shutting down: nobody is told it is stored, and the thread ends its
            # transaction all the same; its people stay busy until it has.
            for piece in batch:
                piece.future.cancel()
            running.add_done_callback(lambda _: self._release(batch))
            raise
        except Exception as exc:  # the commit itself failed: nothing of it is stored
            outcomes = [exc] * len(batch)
        self._release(batch)
        for piece, outcome in zip(batch, outcomes, strict=True):
            if piece.future.done():
                continue
            if isinstance(outcome, BaseException):
                piece.future.set_exception(outcome)
            else:
                piece.future.set_result(outcome.value)

    def _release(self, batch: list[_Piece]) -> None:
        self.batches += 1
        self._batches_in_flight -= 1
        for piece in batch:
            if piece.key is not None:
                self._keys_in_flight.discard(piece.key)
        self._start_batches()

    async def aclose(self) -> None:
        """Once nothing new comes (shutting down): wait for the batches in flight and
        for what still waits to be written. Nothing given to `run` is dropped."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def commit_batch(self, works: Sequence[Work]) -> list[_Done | BaseException]:
        """What a batch does, in the calling thread: `works` in one transaction, the
        outcome of each (`.value`, or the exception). For benchmarks and tests."""
        try:
            return self._commit_once(works)
        except DBAPIError as exc:
            if not _connection_lost(exc):
                raise
            # A connection the database had closed (a restart): the pool is new now.
            # If it died in the COMMIT, what was stored is found again by its unique keys.
            log.warning("database connection lost: the batch runs again")
            return self._commit_once(works)

    def _commit_once(self, works: Sequence[Work]) -> list[_Done | BaseException]:
        # First without savepoints (two statements a piece, two round trips on
        # PostgreSQL): pieces seldom fail. If one does, or the commit, everything is
        # rolled back and the batch runs again, a savepoint each, so that only what
        # failed fails.
        try:
            with self.sessions.begin() as session:
                done: list[_Done | BaseException] = []
                for work in works:
                    done.append(_Done(work(session)))
                    session.flush()
                    session.expunge_all()  # as in_savepoints, below
                return done
        except Exception as exc:
            if _connection_lost(exc):
                raise
            log.info("a batch ran again, a savepoint each", extra={"pieces": len(works)})
        with self.sessions.begin() as session:
            return in_savepoints(session, works)


@dataclass(frozen=True)
class _Done:
    value: Any


def in_savepoints(session: Session, works: Sequence[Work]) -> list[_Done | BaseException]:
    """Each of `works` in a savepoint of `session`'s transaction: the outcome of each, a
    failure rolled back alone. The caller commits."""
    outcomes: list[_Done | BaseException] = []
    for work in works:
        outcomes.append(_one(session, work))
        # Every piece reads what it needs afresh: nothing one left in the session (an
        # object whose columns a trigger changed since) is taken for the truth by the next.
        session.expunge_all()
    return outcomes


RUN_AGAIN_SQLSTATES = frozenset({"40P01", "40001"})
"""PostgreSQL's deadlock detected (two batches locking rows in opposite orders: one is
aborted) and serialization failure."""


def _one(session: Session, work: Work) -> _Done | BaseException:
    for attempt in range(ATTEMPTS):
        try:
            with session.begin_nested():
                return _Done(work(session))
        except Exception as exc:
            if _connection_lost(exc):
                raise  # the whole transaction is lost, not this piece alone
            if not _runs_again(exc) or attempt == ATTEMPTS - 1:
                return exc
            log.info(
                "running again after a conflict",
                extra={"attempt": attempt, "error": type(exc).__name__},
            )
    raise AssertionError("unreachable")


def _runs_again(exc: Exception) -> bool:
    """A conflict, not a fault of the piece: a unique key refused it (the same message
    again, the same new person stored concurrently), a versioned row it read changed
    before it wrote (the conversation), or PostgreSQL aborted it to break a deadlock. Run
    again, it finds what it met."""
    if isinstance(exc, (IntegrityError, StaleDataError)):
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None) if isinstance(exc, DBAPIError) else None
    return sqlstate in RUN_AGAIN_SQLSTATES


def _connection_lost(exc: BaseException) -> bool:
    return isinstance(exc, DBAPIError) and exc.connection_invalidated
