"""Wiring: settings → database (migrated) → engine, and the process's outbox dispatcher.
Used by every entry point (bot/web.py, bot/cli.py, bot/scheduling/worker.py)."""

from __future__ import annotations

import functools
import logging
import random
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine as Database
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.registry import providers
from bot.clock import utcnow
from bot.engine import Engine
from bot.outbox.dispatcher import Dispatcher
from bot.settings import Settings, load_settings
from bot.storage.db import make_engine, make_sessionmaker, migrate
from bot.storage.groups import GroupCommit
from bot.storage.threads import DatabaseThreads
from bot.types import Clock
from bot.voice.recordings import voice_loader

__all__ = ["Orienta", "open_orienta"]

log = logging.getLogger(__name__)


@dataclass
class Orienta:
    settings: Settings
    database: Database
    sessions: sessionmaker[Session]
    engine: Engine
    db: DatabaseThreads = field(default_factory=lambda: DatabaseThreads(sqlite=True))
    """The process's database threads: one on SQLite, where every write goes."""

    @functools.cached_property
    def group(self) -> GroupCommit:
        """Where webhooks' turns are written, those that arrive together in one
        transaction (bot/storage/groups.py)."""
        return GroupCommit(self.sessions, self.db)

    def dispatcher(self) -> Dispatcher:
        """The process's outbox dispatcher: one sender and one pacer per channel that the
        settings allow sending on, its database work in `db`. Close it (`aclose`) when
        done: it owns its senders' connections."""
        s = self.settings
        voice_files = voice_loader(self.sessions)
        senders = {}
        pacing = {}
        for provider in providers():
            senders.update(provider.senders(s, voice_files))
            pacing.update(provider.pacing(s))
        return Dispatcher(
            self.sessions,
            senders,
            writer=self.engine.writer,
            clock=self.engine.clock,
            pacing=pacing,
            run_db=self.db.run,
            stale_after=timedelta(seconds=s.outbox_stale_after_seconds),
            group=self.group,
        )

    def close(self) -> None:
        self.db.shutdown()
        self.database.dispose()


def open_orienta(
    settings: Settings | None = None,
    *,
    clock: Clock = utcnow,
    run_migrations: bool = True,
    rng: random.Random | None = None,
) -> Orienta:
    """Orienta ready to handle messages; the database is migrated first unless told not to."""
    settings = settings or load_settings()
    database = make_engine(settings.database_url)
    if run_migrations:
        migrate(database)
    if not settings.hotlines:
        log.warning(
            "HOTLINE_NUMBERS is not set: people asking for urgent help are told to go to the "
            "nearest Red Cross post or health centre. Set it before going live."
        )
    sessions = make_sessionmaker(database)
    engine = Engine(sessions, settings, clock, rng=rng)
    return Orienta(settings, database, sessions, engine, DatabaseThreads(settings.is_sqlite))
