"""Sending to Telegram never waits for getMe (issue 15: replies were held behind a getMe
Telegram did not answer), and the sending pool's failures are told apart: a request
that went out unanswered is uncertain, one that never left is tried again."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send
from telegram.error import InvalidToken

from bot.channels.base import TransientSendError, UncertainSendError
from bot.channels.telegram.sender import TelegramSender
from bot.messaging import Outbound
from tests.channels.telegram.support import CHAT, QUESTION, REGIONS
from tests.channels.twilio.sockets import hanging_up, never_connecting
from tests.fakes.servers import serve
from tests.fakes.telegram_api import TOKEN, FakeTelegram

REPLIES = 6


class SilentGetMe:
    """The fake Bot API, except that getMe is never answered until `released`: Telegram
    slow to answer at start-up, while sendMessage answers at once."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.asked = threading.Event()
        self.released = threading.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/getMe"):
            self.asked.set()
            await asyncio.to_thread(self.released.wait, 60)
        await self.app(scope, receive, send)


@pytest.fixture
def silent() -> Iterator[tuple[FakeTelegram, SilentGetMe, str]]:
    telegram = FakeTelegram()
    gate = SilentGetMe(telegram.app())
    with serve(gate) as url:
        try:
            yield telegram, gate, url
        finally:
            gate.released.set()  # lets the server finish the request it holds, and stop


def reply(text: str = QUESTION) -> dict[str, object]:
    return Outbound("telegram", "", text, choices=REGIONS).payload()


def test_replies_go_out_at_once_while_telegram_does_not_answer_get_me(
    silent: tuple[FakeTelegram, SilentGetMe, str],
) -> None:
    telegram, gate, url = silent

    async def go() -> list[str]:
        sender = TelegramSender(TOKEN, url)  # its timeout, 20 s, as in production
        try:
            sends = (sender.send(str(CHAT + n), reply(), key=f"test:{n}") for n in range(REPLIES))
            # Well under the 20 s getMe would take to time out: none waits for it.
            ids = await asyncio.wait_for(asyncio.gather(*sends), 5)
            assert await asyncio.to_thread(gate.asked.wait, 5)  # asked, in the background
            return ids
        finally:
            await sender.aclose()

    ids = asyncio.run(go())
    assert len(set(ids)) == REPLIES
    assert sorted(s.chat_id for s in telegram.sent) == [CHAT + n for n in range(REPLIES)]
    assert telegram.calls_to("getMe") == []  # never answered, never waited for


def test_a_refused_token_shows_at_once_while_get_me_is_unanswered(
    silent: tuple[FakeTelegram, SilentGetMe, str],
) -> None:
    _, _, url = silent

    async def go() -> None:
        sender = TelegramSender("999:refused-token", url)
        try:
            with pytest.raises(TransientSendError) as raised:
                await asyncio.wait_for(sender.send(str(CHAT), reply(), key="test:1"), 5)
            assert not isinstance(raised.value, UncertainSendError)
            assert "TELEGRAM_BOT_TOKEN" in str(raised.value)
            assert "refused-token" not in str(raised.value)
        finally:
            await sender.aclose()

    asyncio.run(go())


def test_get_me_is_asked_once_and_a_refused_token_is_logged_without_it(
    fake: tuple[FakeTelegram, str], caplog: pytest.LogCaptureFixture
) -> None:
    telegram, url = fake

    async def go() -> None:
        good = TelegramSender(TOKEN, url)
        for n in range(3):
            await good.send(str(CHAT), reply(), key=f"test:{n}")
        await asyncio.to_thread(
            telegram.wait_until, lambda: bool(telegram.calls_to("getMe")), "getMe"
        )
        await good.aclose()
        refused = TelegramSender("999:refused-token", url)
        with pytest.raises(TransientSendError):
            await refused.send(str(CHAT), reply(), key="test:9")
        assert refused._token_check is not None
        await refused._token_check  # the background check, logged once done
        await refused.aclose()

    with caplog.at_level(logging.WARNING, logger="bot.channels.telegram.sender"):
        asyncio.run(go())
    assert len(telegram.calls_to("getMe")) == 1  # the good token's; the refused one got 401
    assert len(telegram.sent) == 3
    [warning] = [r for r in caplog.records if "getMe" in r.getMessage()]
    assert "TELEGRAM_BOT_TOKEN" in warning.getMessage()
    assert "refused-token" not in caplog.text


def test_polling_waits_for_get_me_and_never_shows_a_refused_token(
    fake: tuple[FakeTelegram, str],
) -> None:
    _, url = fake

    async def go() -> str:
        good = TelegramSender(TOKEN, url)
        bot = await good.ready()
        username = bot.username
        await good.aclose()
        refused = TelegramSender("999:refused-token", url)
        try:
            with pytest.raises(InvalidToken) as raised:
                await refused.ready()
            assert "refused-token" not in str(raised.value)
        finally:
            await refused.aclose()
        return username

    assert asyncio.run(go()) == "orienta_test_bot"


def test_a_connection_closed_without_an_answer_is_sent_again_soon() -> None:
    """It may have gone out, but Telegram cannot be asked: as an uncertain row it
    would be sent again after two minutes, as a transient failure within seconds."""
    with hanging_up() as server:
        sender = TelegramSender(TOKEN, server.url)

        async def go() -> None:
            try:
                await sender.send(str(CHAT), reply(), key="test:1")
            finally:
                await sender.aclose()

        with pytest.raises(TransientSendError) as raised:
            asyncio.run(go())
    assert not isinstance(raised.value, UncertainSendError)
    assert any(b"/sendMessage" in request for request in server.requests)


def test_no_connection_in_time_is_tried_again_later() -> None:
    with never_connecting() as url:

        async def go() -> None:
            sender = TelegramSender(TOKEN, url, timeout=0.3)
            try:
                await asyncio.wait_for(sender.send(str(CHAT), reply(), key="test:1"), 5)
            finally:
                await sender.aclose()

        with pytest.raises(TransientSendError) as raised:
            asyncio.run(go())
    assert not isinstance(raised.value, UncertainSendError)
