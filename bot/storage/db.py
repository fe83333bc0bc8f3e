"""Database engines, sessions and migrations.

One `sessionmaker` per process; whoever handles a request or a job owns the transaction.
SQLite runs in WAL mode with a busy timeout; each transaction takes the write lock when it
begins (BEGIN IMMEDIATE), so two transactions never fail on each other: one waits.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import StorageError

__all__ = [
    "DB_THREADS",
    "alembic_config",
    "is_up_to_date",
    "make_engine",
    "make_sessionmaker",
    "migrate",
    "migrating",
]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
RECYCLE_SECONDS = 1800
DB_THREADS = 8
"""Threads a web process runs database work in on PostgreSQL (on SQLite: one). More would
only wait for each other on 2 cores, and each holds a connection."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Transactions are begun by _sqlite_begin below, not by the driver.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    """BEGIN IMMEDIATE: a transaction takes SQLite's write lock when it starts (waiting
    up to the busy timeout), not at its first write. A transaction that read first and
    then found another one had written meanwhile would fail at once (SQLITE_BUSY, with
    no waiting): a webhook answered 503 for nothing but a busy moment."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine whose errors never quote statement parameters: they hold phone numbers
    and what people wrote, and errors end up in logs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, hide_parameters=True
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # A pool as large as the threads that use it at once (the web app's DB_THREADS, the
    # dispatcher's and scheduler's few), so that no connection is opened per request.
    # No ping before each use (a round trip per transaction): a connection found dead
    # fails its transaction, and the whole pool is replaced at once; a webhooks' batch
    # then runs again (bot/storage/groups.py), other work fails once (a 503, a job
    # retried at its next run). Connections are renewed every half hour all the same.
    return create_engine(
        url,
        hide_parameters=True,
        pool_size=DB_THREADS + 4,
        max_overflow=8,
        pool_recycle=RECYCLE_SECONDS,
    )


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def is_up_to_date(engine: Engine) -> bool:
    head = ScriptDirectory.from_config(alembic_config(str(engine.url))).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head


@contextlib.contextmanager
def migrating(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction to change the schema on. On SQLite, with foreign
    keys off until it ends: SQLite changes a table by rebuilding it, and dropping the
    old copy would run the ON DELETE actions of every table that points to it (CASCADE
    deleting their rows, SET NULL unlinking them). What the migration leaves is checked
    before it commits."""
    with engine.connect() as connection:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:  # outside any transaction, or SQLite ignores it
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                yield connection
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise StorageError("the migration left rows pointing to nothing")
        finally:
            if sqlite:
                connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def migrate(engine: Engine) -> None:
    """Bring the database to the latest schema (a no-op when it already is)."""
    try:
        if is_up_to_date(engine):
            return
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        with migrating(engine) as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise StorageError(
            f"Cannot reach the database {engine.url.render_as_string(hide_password=True)}: "
            f"{exc.orig}"
        ) from exc
