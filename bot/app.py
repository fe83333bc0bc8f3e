"""Wiring: settings → database (migrated) → conversation engine. Used by every entry point."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

from sqlalchemy import Engine as Database
from sqlalchemy.orm import Session, sessionmaker

from bot.engine import Engine, utcnow
from bot.settings import Settings, load_settings
from bot.storage.db import make_engine, make_sessionmaker, migrate
from bot.types import Clock

__all__ = ["Orienta", "open_orienta"]

log = logging.getLogger(__name__)


@dataclass
class Orienta:
    settings: Settings
    database: Database
    sessions: sessionmaker[Session]
    engine: Engine

    def close(self) -> None:
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
    return Orienta(settings, database, sessions, Engine(sessions, settings, clock, rng=rng))
