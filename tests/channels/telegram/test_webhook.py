"""Telegram end to end: our app under uvicorn receives updates with the secret token, and
answers through a fake Bot API on 127.0.0.1, on SQLite and PostgreSQL; polling; a phone
shared from the chat."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import Orienta, open_orienta
from bot.settings import Settings
from bot.storage.models import ChannelIdentity, Contact, InboundMessage
from bot.web import create_app
from tests.channels.telegram.support import (
    CHAT,
    button_update,
    count,
    message_update,
    post,
)
from tests.conftest import FakeClock
from tests.fakes.servers import serve
from tests.fakes.telegram_api import TOKEN, FakeTelegram
from tests.transcript import TRANSCRIPTS, Turn, replay

# A redelivered update is not answered again on Telegram (the replies went out already),
# where Twilio repeats its TwiML: test_a_redelivered_update_… covers Telegram's case.
FILES = sorted(p for p in TRANSCRIPTS.glob("*.txt") if p.stem != "duplicate_inbound")


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_transcripts_through_the_telegram_webhook(
    path: Path,
    base_url: str,
    app_orienta: Orienta,
    clock: FakeClock,
    fake: tuple[FakeTelegram, str],
) -> None:
    telegram, _ = fake

    def send(turn: Turn) -> list[str]:
        before = len(telegram.sent)
        update_id = int(turn.provider_id[1:]) if turn.provider_id else None
        extra = (
            {"photo": [{"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1}]}
            if turn.media
            else {}
        )
        response = post(base_url, message_update(turn.text, update_id, **extra))
        assert response.status_code == 200, response.text
        # What the person sees: each message's text and, under it, its buttons.
        return [
            "\n".join([m.text, *(label for label, _ in m.buttons)]) for m in telegram.sent[before:]
        ]

    replay(path, send, app_orienta, clock, "telegram", str(CHAT))


def test_buttons_carry_choice_numbers_and_a_tap_answers(
    base_url: str, fake: tuple[FakeTelegram, str], app_orienta: Orienta
) -> None:
    telegram, _ = fake
    post(base_url, message_update("bonjour"))
    first = telegram.sent[-1]
    assert first.buttons[0] == ("1. Français", "1")
    assert [data for _, data in first.buttons] == ["1", "2", "3", "4", "5"]
    assert post(base_url, button_update("1")).status_code == 200
    assert "Acceptez-vous ?" in telegram.sent[-1].text
    assert ("answerCallbackQuery", {"callback_query_id": "cbq-1"}) in [
        (m, {k: v for k, v in p.items() if k == "callback_query_id"}) for m, p in telegram.calls
    ]


@pytest.mark.parametrize("secret", [None, "", "wrong-secret"], ids=["missing", "empty", "wrong"])
def test_a_wrong_secret_is_refused_and_nothing_is_processed(
    secret: str | None, base_url: str, app_orienta: Orienta, fake: tuple[FakeTelegram, str]
) -> None:
    response = post(base_url, message_update("bonjour"), secret=secret)
    assert response.status_code == 403
    assert count(app_orienta, InboundMessage) == 0
    assert fake[0].sent == []


def test_a_redelivered_update_is_one_step_and_not_answered_twice(
    base_url: str, app_orienta: Orienta, fake: tuple[FakeTelegram, str]
) -> None:
    telegram, _ = fake
    post(base_url, message_update("bonjour"))
    post(base_url, message_update("1"))
    update = message_update("1", update_id=555)
    assert post(base_url, update).status_code == 200
    assert post(base_url, update).status_code == 200  # Telegram resends it
    assert count(app_orienta, InboundMessage) == 3
    assert len(telegram.texts()) == 3  # the redelivery was answered already
    assert "Dans quelle région" in telegram.texts()[-1]


def test_updates_we_do_not_handle_are_acknowledged_and_ignored(
    base_url: str, app_orienta: Orienta
) -> None:
    edited = {
        "update_id": 9,
        "edited_message": {"message_id": 1, "date": 0, "chat": {"id": CHAT, "type": "private"}},
    }
    assert post(base_url, edited).status_code == 200
    assert count(app_orienta, InboundMessage) == 0


def test_the_erasure_confirmation_reaches_the_person(
    base_url: str, app_orienta: Orienta, fake: tuple[FakeTelegram, str]
) -> None:
    telegram, _ = fake
    for text in ("bonjour", "1", "1", "EFFACER", "1"):
        post(base_url, message_update(text))
    assert "ont été effacées" in telegram.texts()[-1]
    assert count(app_orienta, Contact) == 0


def test_telegram_is_off_without_a_token(settings: Settings, clock: FakeClock) -> None:
    orienta = open_orienta(settings, clock=clock)
    try:
        with serve(create_app(orienta)) as url:
            assert post(url, message_update("bonjour")).status_code == 404
    finally:
        orienta.close()


def test_polling_mode_answers_without_a_public_url(
    settings: Settings, clock: FakeClock, fake: tuple[FakeTelegram, str]
) -> None:
    """`orienta serve --telegram-polling`: only the token; updates fetched, answered once."""
    telegram, url = fake
    polling = Settings(
        **{
            **settings.__dict__,
            "telegram_bot_token": TOKEN,
            "telegram_api_base_url": url,
            "telegram_seconds_per_chat": 0.0,
        }
    )
    orienta = open_orienta(polling, clock=clock)
    telegram.push_update(message_update("bonjour", update_id=7001))

    def polled_from(offset: int) -> bool:
        return any(int(p.get("offset") or 0) == offset for p in telegram.calls_to("getUpdates"))

    try:
        with serve(create_app(orienta, telegram_polling=True)):
            telegram.wait_until(lambda: len(telegram.sent) == 1, "the first answer")
            telegram.push_update(message_update("1", update_id=7002))
            telegram.wait_until(lambda: len(telegram.sent) == 2, "the second answer")
            # Once it polls from after the second update, both are confirmed: neither is
            # fetched again.
            telegram.wait_until(lambda: polled_from(7003), "a poll after both")
    finally:
        orienta.close()
    assert "Choisissez votre langue" in telegram.sent[0].text
    assert "Acceptez-vous ?" in telegram.sent[1].text
    assert len(telegram.sent) == 2
    assert any(m == "deleteWebhook" for m, _ in telegram.calls)


def shared_contact(phone: str, user_id: int = CHAT) -> dict[str, object]:
    return message_update(
        "", contact={"phone_number": phone, "first_name": "Test", "user_id": user_id}
    )


def test_sharing_ones_phone_joins_the_sms_conversation(
    base_url: str, app_orienta: Orienta, fake: tuple[FakeTelegram, str]
) -> None:
    """Started by SMS, goes on in Telegram: one person, one conversation."""
    from bot.messaging import Inbound

    phone = "+224000000402"  # fictitious
    for text in ("bonjour", "1", "1", "2"):  # by SMS: up to the prefecture question
        app_orienta.engine.handle(Inbound(channel="sms", address=phone, text=text))
    telegram, _ = fake
    post(base_url, message_update("bonjour"))  # a new Telegram chat: language question
    assert "Choisissez votre langue" in telegram.sent[-1].text
    assert post(base_url, shared_contact("224000000402")).status_code == 200
    assert "votre numéro est enregistré" in telegram.sent[-1].text
    assert "Dans quelle préfecture" in telegram.sent[-1].text
    post(base_url, message_update("1"))  # Boffa, answered in Telegram
    assert "Vous êtes" in telegram.sent[-1].text
    assert count(app_orienta, Contact) == 1


def test_a_telegram_orientation_ends_with_an_offer_to_share_the_phone(
    base_url: str, app_orienta: Orienta, fake: tuple[FakeTelegram, str]
) -> None:
    telegram, _ = fake
    answers = [
        "bonjour",
        "1",
        "1",
        "3",
        "1",
        "2",
        "3",
        "2",
        "2",
        "1,2",
        "6",
        "3",
        "3",
        "4",
        "1",
        "2",
        "2",
        "1",
    ]
    for text in answers:
        post(base_url, message_update(text))
    offer = telegram.calls[-1][1]
    assert "partagez votre numéro" in telegram.sent[-1].text
    assert offer["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    # Shared: remembered for SMS and WhatsApp, and not offered again.
    post(base_url, shared_contact("+224000000403"))
    assert "votre numéro est enregistré" in telegram.sent[-1].text
    with app_orienta.sessions() as session:
        channels = set(session.scalars(select(ChannelIdentity.channel)))
    assert channels == {"telegram", "sms"}
