"""Fixtures shared by the suite: a migrated database on SQLite *and* PostgreSQL, settings,
a controllable clock, and Orienta wired on them.

Tests that take the `database_url` fixture (directly or through `orienta`) run twice:
once on a fresh SQLite file, once on a PostgreSQL database that the suite creates and
drops. PostgreSQL is reached through `ORIENTA_TEST_POSTGRES_URL` (an admin URL, set by
`make test` and `.ci/run`); without it those runs are skipped with a reason.
"""

from __future__ import annotations

import os
import random
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.app import Orienta, open_orienta
from bot.settings import Settings, load_settings
from bot.storage.db import make_engine, migrate
from bot.storage.models import Base

POSTGRES_ADMIN_URL = os.environ.get("ORIENTA_TEST_POSTGRES_URL", "").strip()
TEST_HOTLINES = "Ligne d'écoute (test)=+224 000 00 00 01;Police (test)=000"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-transcripts",
        action="store_true",
        help="rewrite tests/transcripts/golden/ from what the bot says now",
    )


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating every time is slower)."""
    path = tmp_path_factory.mktemp("template") / "orienta.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if not POSTGRES_ADMIN_URL:
        pytest.skip("ORIENTA_TEST_POSTGRES_URL is not set (make test sets it)")
    name = f"orienta_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def empty_postgres(url: str) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "orienta.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    empty_postgres(url)
    return url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        environ={
            "DATABASE_URL": database_url,
            "ORIENTA_VAR_DIR": str(tmp_path / "var"),
            "SECRET_KEY": "test-secret-key",
            "IDENTITY_KEY": "test-identity-key",
            "HOTLINE_NUMBERS": TEST_HOTLINES,
        },
        env_file=None,
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 2, 9, 30, tzinfo=UTC))


@pytest.fixture
def orienta(settings: Settings, clock: FakeClock) -> Iterator[Orienta]:
    app = open_orienta(settings, clock=clock, rng=random.Random(2026))  # booking codes
    yield app
    app.close()
