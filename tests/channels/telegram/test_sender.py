"""The Bot API (bot/channels/telegram/sender.py) against the fake Bot API: what is sent,
how Telegram's errors become ours, setWebhook."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.channels.base import PermanentSendError, TransientSendError, UncertainSendError
from bot.channels.telegram.sender import TelegramSender, set_webhook
from bot.errors import ConfigError
from bot.messaging import Choice, Outbound
from tests.channels.telegram.support import (
    CHAT,
    QUESTION,
    REGIONS,
    SECRET,
    long_text,
)
from tests.fakes.servers import free_socket
from tests.fakes.telegram_api import TOKEN, FakeTelegram


def test_sender_maps_telegram_errors(fake: tuple[FakeTelegram, str]) -> None:
    telegram, url = fake
    payload = Outbound("telegram", str(CHAT), "Rappel", choices=(Choice(1, "ok", "OK"),)).payload()

    async def go() -> None:
        sender = TelegramSender(TOKEN, url)
        telegram.failures = [
            (429, "Too Many Requests: retry after 7", 7),
            (403, "Forbidden: bot was blocked by the user", None),
            (400, "Bad Request: chat not found", None),
        ]
        with pytest.raises(TransientSendError) as flood:
            await sender.send(str(CHAT), payload, key="k1")
        assert flood.value.retry_after == 7
        with pytest.raises(PermanentSendError) as blocked:
            await sender.send(str(CHAT), payload, key="k2")
        assert blocked.value.unreachable
        with pytest.raises(PermanentSendError):
            await sender.send(str(CHAT), payload, key="k3")
        assert await sender.send(str(CHAT), payload, key="k4")
        await sender.aclose()

    asyncio.run(go())
    assert telegram.sent[-1].buttons == [("1. OK", "1")]


# -- TelegramSender against the fake Bot API ----------------------------------------------


def send(
    url: str, reply: Outbound, *, token: str = TOKEN, timeout: float = 20.0, address: str = ""
) -> str:
    async def go() -> str:
        sender = TelegramSender(token, url, timeout=timeout)
        try:
            return await sender.send(address or str(CHAT), reply.payload(), key="test:1")
        finally:
            await sender.aclose()

    return asyncio.run(go())


def reminder(text: str = QUESTION) -> Outbound:
    return Outbound("telegram", "", text, choices=REGIONS)


def test_a_reply_with_choices_arrives_with_an_inline_keyboard(
    fake: tuple[FakeTelegram, str],
) -> None:
    telegram, url = fake
    assert send(url, reminder()) == "1"
    [sent] = telegram.sent
    assert (sent.chat_id, sent.text) == (CHAT, QUESTION)
    assert sent.reply_markup is not None
    datas = [b["callback_data"] for row in sent.reply_markup["inline_keyboard"] for b in row]
    assert datas == ["1", "2", "3", "4"]


def test_a_long_reply_arrives_in_pieces_and_the_last_ones_id_is_returned(
    fake: tuple[FakeTelegram, str],
) -> None:
    telegram, url = fake
    assert send(url, reminder(long_text())) == "3"
    assert [bool(s.buttons) for s in telegram.sent] == [False, False, True]
    assert "\n\n".join(telegram.texts()) == long_text()


def test_flood_control_is_retried_after_the_time_telegram_says(
    fake: tuple[FakeTelegram, str],
) -> None:
    telegram, url = fake
    telegram.flood(1, retry_after=3)
    with pytest.raises(TransientSendError) as raised:
        send(url, reminder())
    assert not isinstance(raised.value, UncertainSendError)
    assert raised.value.retry_after == 3.0
    assert send(url, reminder()) == "1"  # then it goes, once
    assert len(telegram.sent) == 1


def test_a_blocked_bot_stops_sending_to_that_person(fake: tuple[FakeTelegram, str]) -> None:
    telegram, url = fake
    telegram.block()
    with pytest.raises(PermanentSendError) as raised:
        send(url, reminder())
    assert raised.value.unreachable and not raised.value.opted_out
    assert "blocked" in str(raised.value)


def test_a_chat_that_does_not_exist_is_unreachable(fake: tuple[FakeTelegram, str]) -> None:
    telegram, url = fake
    telegram.lose_chat()
    with pytest.raises(PermanentSendError) as raised:
        send(url, reminder())
    assert raised.value.unreachable


def test_another_bad_request_fails_the_message_only(fake: tuple[FakeTelegram, str]) -> None:
    telegram, url = fake
    telegram.failures.append((400, "Bad Request: can't parse entities", None))
    with pytest.raises(PermanentSendError) as raised:
        send(url, reminder())
    assert not raised.value.unreachable


def test_no_answer_in_time_may_have_been_sent(fake: tuple[FakeTelegram, str]) -> None:
    telegram, url = fake
    telegram.hold_answers()  # sent, but its answer comes too late
    try:
        with pytest.raises(UncertainSendError):
            send(url, reminder(), timeout=0.2)
    finally:
        telegram.release_answers()
    assert len(telegram.sent) == 1


def test_an_unreachable_api_is_tried_again_later() -> None:
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    with pytest.raises(TransientSendError) as raised:
        send(f"http://127.0.0.1:{port}", reminder())
    assert not isinstance(raised.value, UncertainSendError)


def test_a_refused_token_is_tried_again_later_and_never_shown(
    fake: tuple[FakeTelegram, str],
) -> None:
    _, url = fake
    with pytest.raises(TransientSendError) as raised:
        send(url, reminder(), token="999:refused-token")
    assert "refused-token" not in str(raised.value)
    assert "TELEGRAM_BOT_TOKEN" in str(raised.value)


def test_an_address_that_is_not_a_chat_id_is_unreachable(fake: tuple[FakeTelegram, str]) -> None:
    telegram, url = fake
    with pytest.raises(PermanentSendError) as raised:
        send(url, reminder(), address="+224000000401")
    assert raised.value.unreachable
    assert telegram.calls == []


def test_a_button_press_is_answered(fake: tuple[FakeTelegram, str]) -> None:
    telegram, url = fake

    async def go() -> bool:
        sender = TelegramSender(TOKEN, url)
        try:
            return await sender.answer_callback("cbq-9")
        finally:
            await sender.aclose()

    assert asyncio.run(go()) is True
    assert telegram.calls_to("answerCallbackQuery")[0]["callback_query_id"] == "cbq-9"


def test_set_webhook_registers_our_route_with_the_secret(fake: tuple[FakeTelegram, str]) -> None:
    telegram, url = fake
    asyncio.run(set_webhook(TOKEN, "https://orienta.example.org/", SECRET, url))
    [registered] = telegram.calls_to("setWebhook")
    assert registered["url"] == "https://orienta.example.org/webhooks/telegram"
    assert registered["secret_token"] == SECRET
    assert registered["allowed_updates"] == ["message", "callback_query"]


def test_set_webhook_needs_its_settings_and_a_valid_token(fake: tuple[FakeTelegram, str]) -> None:
    _, url = fake
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
        asyncio.run(set_webhook(TOKEN, "https://orienta.example.org", "", url))
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN") as raised:
        asyncio.run(set_webhook("999:refused-token", "https://orienta.example.org", SECRET, url))
    assert "refused-token" not in str(raised.value)


def test_the_set_webhook_command_registers_the_route(
    fake: tuple[FakeTelegram, str], tmp_path: Path
) -> None:
    import os
    import shutil
    import subprocess
    import sys

    telegram, url = fake
    orienta = shutil.which("orienta", path=str(Path(sys.executable).parent)) or "orienta"
    env = {
        **os.environ,
        "ORIENTA_VAR_DIR": str(tmp_path / "var"),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_BASE_URL": url,
        "PUBLIC_BASE_URL": "https://orienta.example.org",
    }
    result = subprocess.run(
        [orienta, "telegram", "set-webhook"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    ((_method, params),) = [(m, p) for m, p in telegram.calls if m == "setWebhook"]
    assert params["url"] == "https://orienta.example.org/webhooks/telegram"
    assert params["secret_token"] == SECRET
    assert TOKEN not in result.stdout + result.stderr
