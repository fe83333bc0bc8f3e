"""The ASGI app as `orienta serve` runs it (webhooks, dispatcher and scheduler in one
process), over real HTTP on 127.0.0.1: one sender per channel for everything the process
sends, and, on SQLite, every database transaction of the process in its one database
thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import event, select
from twilio.request_validator import RequestValidator

from bot.app import Orienta, open_orienta
from bot.flows.model import Say, Verbatim
from bot.settings import Settings
from bot.storage.models import Contact, OutboxMessage
from bot.web import create_app
from tests.channels.telegram.support import SECRET, message_update, post
from tests.conftest import FakeClock
from tests.fakes.servers import http, serve
from tests.fakes.telegram_api import TOKEN, FakeTelegram
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

PUBLIC = "https://orienta.example.org"
PHONE = "+224000000911"  # fictitious


@pytest.fixture
def fakes() -> Iterator[tuple[FakeTelegram, str, FakeTwilio, str]]:
    telegram, twilio = FakeTelegram(), FakeTwilio()
    with serve(telegram.app()) as telegram_url, serve(twilio.app()) as twilio_url:
        yield telegram, telegram_url, twilio, twilio_url


@pytest.fixture
def served(
    settings: Settings, clock: FakeClock, fakes: tuple[FakeTelegram, str, FakeTwilio, str]
) -> Iterator[Orienta]:
    _, telegram_url, _, twilio_url = fakes
    configured = replace(
        settings,
        public_base_url=PUBLIC,
        telegram_bot_token=TOKEN,
        telegram_webhook_secret=SECRET,
        telegram_api_base_url=telegram_url,
        telegram_seconds_per_chat=0.0,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_sms_from="+224000000900",
        twilio_api_base_url=twilio_url,
    )
    orienta = open_orienta(configured, clock=clock)
    yield orienta
    orienta.close()


def queue_for_everyone(orienta: Orienta, text: str) -> None:
    with orienta.sessions.begin() as session:
        for contact in session.scalars(select(Contact)):
            orienta.engine.push(
                session, contact, [Say(Verbatim(text))], "test:1", orienta.engine.clock()
            )


def sms(base_url: str, text: str, n: int) -> httpx.Response:
    form = {"MessageSid": f"SMweb{n}", "From": PHONE, "Body": text, "NumMedia": "0"}
    path = "/webhooks/twilio/sms"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + path, form)
    return http.post(
        base_url + path, data=form, headers={"X-Twilio-Signature": signature}, timeout=30
    )


def test_the_webhook_and_the_dispatcher_share_one_telegram_sender(
    served: Orienta, fakes: tuple[FakeTelegram, str, FakeTwilio, str]
) -> None:
    telegram = fakes[0]
    with serve(create_app(served, dispatcher=True)) as base_url:
        for text in ("bonjour", "1", "1"):
            assert post(base_url, message_update(text)).status_code == 200
        queue_for_everyone(served, "Votre rendez-vous est confirmé.")
        post(base_url, message_update("AIDE"))  # a reply now, and the loop woken
        telegram.wait_until(
            lambda: "Votre rendez-vous est confirmé." in telegram.texts(), "the queued message"
        )
    # One Bot connection for the process: initialised once (getMe), for both paths.
    assert len(telegram.calls_to("getMe")) == 1


def test_on_sqlite_every_transaction_of_the_process_is_in_its_database_thread(
    served: Orienta, fakes: tuple[FakeTelegram, str, FakeTwilio, str]
) -> None:
    if not served.settings.is_sqlite:
        pytest.skip("PostgreSQL runs database work in several threads, on purpose")
    twilio = fakes[2]
    threads: set[str] = set()
    event.listen(served.database, "begin", lambda _conn: threads.add(_current_thread()))
    with serve(create_app(served, dispatcher=True)) as base_url:
        for n, text in enumerate(("bonjour", "1", "1")):  # webhooks
            assert sms(base_url, text, n).status_code == 200
        queue_for_everyone(served, "Rappel : formation demain.")  # in this test's thread
        threads.clear()
        assert sms(base_url, "AIDE", 9).status_code == 200
        twilio.wait_until(lambda: twilio.count() == 1, "the queued message")  # dispatcher
        twilio.wait_until(lambda: sent(served), "its outcome recorded")
        assert http.get(f"{base_url}/health", timeout=10).status_code == 200
    # The test's own queries (MainThread) stand for another process: not the app's.
    assert threads - {"MainThread"} == {"orienta-db_0"}


def sent(orienta: Orienta) -> bool:
    with orienta.sessions() as session:
        statuses = session.scalars(
            select(OutboxMessage.status).where(OutboxMessage.idempotency_key.like("test:1:%"))
        ).all()
    return statuses == ["sent"]


def _current_thread() -> str:
    return threading.current_thread().name
