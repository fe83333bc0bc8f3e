"""Fixtures of the Telegram tests: a fake Bot API on 127.0.0.1, and Orienta configured for
it and served under uvicorn."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.app import Orienta, open_orienta
from bot.settings import Settings
from bot.web import create_app
from tests.channels.telegram.support import SECRET
from tests.conftest import FakeClock
from tests.fakes.servers import serve
from tests.fakes.telegram_api import TOKEN, FakeTelegram


@pytest.fixture
def fake() -> Iterator[tuple[FakeTelegram, str]]:
    telegram = FakeTelegram()
    with serve(telegram.app()) as url:
        yield telegram, url


@pytest.fixture
def app_orienta(
    settings: Settings, clock: FakeClock, fake: tuple[FakeTelegram, str]
) -> Iterator[Orienta]:
    configured = Settings(
        **{
            **settings.__dict__,
            "telegram_bot_token": TOKEN,
            "telegram_webhook_secret": SECRET,
            "telegram_api_base_url": fake[1],
            "telegram_seconds_per_chat": 0.0,  # Telegram's pacing, not under test here
        }
    )
    orienta = open_orienta(configured, clock=clock)
    yield orienta
    orienta.close()


@pytest.fixture
def base_url(app_orienta: Orienta) -> Iterator[str]:
    with serve(create_app(app_orienta)) as url:
        yield url
