"""Telegram end to end: our app under uvicorn receives updates with the secret token, and
answers through a fake Bot API on 127.0.0.1, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from telegram import InlineKeyboardMarkup

from bot.app import Orienta, open_orienta
from bot.channels.base import PermanentSendError, TransientSendError, UncertainSendError
from bot.channels.layout import split_text
from bot.channels.telegram.keyboards import MAX_TEXT, render_telegram, request_phone_keyboard
from bot.channels.telegram.sender import TelegramSender, bot_api_urls, set_webhook
from bot.channels.telegram.updates import parse_update, verify_secret
from bot.errors import ConfigError
from bot.messaging import Choice, Outbound
from bot.settings import Settings, load_settings
from bot.storage.models import ChannelIdentity, Contact, InboundMessage
from bot.web import create_app
from tests.conftest import FakeClock
from tests.fakes.servers import free_socket, serve
from tests.fakes.telegram_api import TOKEN, FakeTelegram
from tests.transcript import TRANSCRIPTS, Turn, replay

SECRET = "test-webhook-secret"
CHAT = 700000401  # fictitious chat id
# A redelivered update is not answered again on Telegram (the replies went out already),
# where Twilio repeats its TwiML: test_a_redelivered_update_… covers Telegram's case.
FILES = sorted(p for p in TRANSCRIPTS.glob("*.txt") if p.stem != "duplicate_inbound")
_updates = itertools.count(1000)


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


def message_update(text: str, update_id: int | None = None, **extra: object) -> dict[str, object]:
    message: dict[str, object] = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": CHAT, "type": "private"},
        "from": {"id": CHAT, "is_bot": False, "first_name": "Test"},
    }
    if text:
        message["text"] = text
    message.update(extra)
    return {"update_id": update_id or next(_updates), "message": message}


def button_update(data: str) -> dict[str, object]:
    return {
        "update_id": next(_updates),
        "callback_query": {
            "id": "cbq-1",
            "data": data,
            "chat_instance": "x",
            "from": {"id": CHAT, "is_bot": False, "first_name": "Test"},
            "message": {"message_id": 5, "date": 0, "chat": {"id": CHAT, "type": "private"}},
        },
    }


def post(base_url: str, update: dict[str, object], secret: str | None = SECRET) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return httpx.post(f"{base_url}/webhooks/telegram", json=update, headers=headers, timeout=30)


def count(orienta: Orienta, model: object) -> int:
    with orienta.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


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


def test_a_long_reply_is_split_under_the_limit_with_nothing_lost() -> None:
    text = "\n\n".join(f"Paragraphe {n} " + "mot " * 300 for n in range(10))
    pieces = split_text(text, MAX_TEXT)
    assert all(len(p) <= 4096 for p in pieces) and len(pieces) >= 3
    assert " ".join(pieces).split() == text.split()


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


def test_parse_update_reads_messages_buttons_and_media() -> None:
    text = parse_update(message_update("Bonjour"))
    assert text is not None and text.inbound.text == "Bonjour"
    assert text.inbound.address == str(CHAT) and text.inbound.channel == "telegram"
    sticker = parse_update(message_update("", sticker=STICKER))
    assert sticker is not None and sticker.inbound.media == ("image/webp",)
    button = parse_update(button_update("3"))
    assert button is not None and button.inbound.text == "3"
    assert button.callback_query_id == "cbq-1"
    assert parse_update({"update_id": 1, "channel_post": {}}) is None
    assert parse_update({"nonsense": True}) is None


# -- parse_update, verify_secret: the update in -----------------------------------------

USER = {"id": CHAT, "is_bot": False, "first_name": "Test"}
STICKER = {
    "file_id": "s",
    "file_unique_id": "su",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
    "type": "regular",
}
PHOTO = [{"file_id": "p", "file_unique_id": "pu", "width": 90, "height": 90}]
VOICE = {"file_id": "v", "file_unique_id": "vu", "duration": 3, "mime_type": "audio/ogg"}
ANIMATION = {
    "file_id": "a",
    "file_unique_id": "au",
    "width": 1,
    "height": 1,
    "duration": 1,
    "mime_type": "video/mp4",
}
PDF = {"file_id": "d", "file_unique_id": "du", "mime_type": "application/pdf"}


def test_a_text_message_becomes_an_inbound_that_hides_what_it_says() -> None:
    parsed = parse_update(message_update("Bonjour", update_id=42))
    assert parsed is not None
    inbound = parsed.inbound
    assert (inbound.channel, inbound.address, inbound.text) == ("telegram", str(CHAT), "Bonjour")
    assert (inbound.provider_id, inbound.media) == ("tg-42", ())
    assert inbound.received_at == datetime(1970, 1, 1, tzinfo=UTC)
    assert parsed.callback_query_id is None and inbound.shared_phone is None
    assert str(CHAT) not in repr(parsed) and "Bonjour" not in repr(parsed)


def test_a_button_press_sends_the_choice_number_and_must_be_answered() -> None:
    parsed = parse_update(button_update("3"))
    assert parsed is not None
    assert (parsed.inbound.address, parsed.inbound.text) == (str(CHAT), "3")
    assert parsed.inbound.provider_id is not None and parsed.inbound.provider_id.startswith("tg-")
    assert parsed.callback_query_id == "cbq-1"
    # A button under a message the bot can no longer see: the presser is the chat.
    update = button_update("2")
    del update["callback_query"]["message"]  # type: ignore[attr-defined]
    parsed = parse_update(update)
    assert parsed is not None and parsed.inbound.address == str(CHAT)


@pytest.mark.parametrize(
    ("attachment", "caption", "media"),
    [
        ({"sticker": STICKER}, "", ("image/webp",)),
        ({"sticker": {**STICKER, "is_animated": True}}, "", ("application/x-tgsticker",)),
        ({"photo": PHOTO, "caption": "Mon diplôme"}, "Mon diplôme", ("image/jpeg",)),
        ({"voice": VOICE}, "", ("audio/ogg",)),
        ({"document": PDF}, "", ("application/pdf",)),
        ({"animation": ANIMATION, "document": ANIMATION}, "", ("video/mp4",)),
    ],
    ids=["sticker", "animated-sticker", "photo", "voice", "document", "gif"],
)
def test_attachments_are_content_types(
    attachment: dict[str, object], caption: str, media: tuple[str, ...]
) -> None:
    update = message_update("")
    message = update["message"]
    assert isinstance(message, dict)
    message.update(attachment)
    parsed = parse_update(update)
    assert parsed is not None
    assert (parsed.inbound.text, parsed.inbound.media) == (caption, media)


def contact_update(user_id: int | None) -> dict[str, object]:
    contact: dict[str, object] = {"phone_number": "224000000401", "first_name": "Test"}
    if user_id is not None:
        contact["user_id"] = user_id
    return message_update("", contact=contact)


def test_ones_own_phone_number_can_link_identities() -> None:
    parsed = parse_update(contact_update(CHAT))
    assert parsed is not None and parsed.inbound.shared_phone == "+224000000401"
    assert "224000000401" not in repr(parsed)


@pytest.mark.parametrize("user_id", [CHAT + 1, None], ids=["someone-else", "not-a-user"])
def test_someone_elses_phone_number_is_refused(user_id: int | None) -> None:
    parsed = parse_update(contact_update(user_id))
    assert parsed is not None and parsed.inbound.shared_phone is None


def _chat_message(chat_type: str) -> dict[str, object]:
    return {
        "message_id": 1,
        "date": 0,
        "chat": {"id": -100, "type": chat_type},
        "from": USER,
        "text": "1",
    }


@pytest.mark.parametrize(
    "update",
    [
        {"update_id": 1, "edited_message": _chat_message("private")},
        {"update_id": 2, "channel_post": _chat_message("channel")},
        {"update_id": 3, "message": _chat_message("group")},
        {
            "update_id": 4,
            "my_chat_member": {
                "chat": {"id": CHAT, "type": "private"},
                "from": USER,
                "date": 0,
                "old_chat_member": {"status": "member", "user": USER},
                "new_chat_member": {"status": "kicked", "user": USER, "until_date": 0},
            },
        },
        {"update_id": 5},
        {"message": {"text": "no update id"}},
        {"update_id": 6, "message": {"chat": "not a chat"}},
    ],
    ids=["edited", "channel-post", "group", "my-chat-member", "empty", "no-id", "malformed"],
)
def test_updates_we_do_not_handle_give_nothing(update: dict[str, object]) -> None:
    assert parse_update(update) is None


@pytest.mark.parametrize(
    ("header", "expected", "ok"),
    [
        (SECRET, SECRET, True),
        ("wrong-secret", SECRET, False),
        (SECRET[:-1], SECRET, False),
        (None, SECRET, False),
        ("", SECRET, False),
        ("", "", False),  # no secret configured: nothing is trusted
    ],
)
def test_verify_secret(header: str | None, expected: str, ok: bool) -> None:
    assert verify_secret(header, expected) is ok


# -- render_telegram: the reply out -------------------------------------------------------

QUESTION = "Dans quelle région vivez-vous maintenant ?"
REGIONS = tuple(
    Choice(n, key, label)
    for n, (key, label) in enumerate(
        [("conakry", "Conakry"), ("boke", "Boké"), ("labe", "Labé"), ("kankan", "Kankan")],
        start=1,
    )
)


def buttons(markup: InlineKeyboardMarkup) -> list[list[tuple[str, str | object]]]:
    return [[(b.text, b.callback_data) for b in row] for row in markup.inline_keyboard]


def long_text() -> str:
    """About 10,000 characters: paragraphs of a few lines, made of ordinary words."""
    line = "Vous pouvez suivre une formation de trois mois près de chez vous, gratuite."
    paragraphs = [f"Paragraphe {n}.\n" + "\n".join([line] * 12) for n in range(11)]
    return "\n\n".join(paragraphs)


def test_a_long_text_is_cut_on_paragraph_boundaries_with_nothing_lost() -> None:
    text = long_text()
    assert len(text) >= 10_000
    pieces = split_text(text, MAX_TEXT)
    assert len(pieces) == 3
    assert all(len(p) <= MAX_TEXT and p == p.strip() for p in pieces)
    # Each piece is the text's own, in order, with only whitespace between: re-joined
    # with the breaks they were cut at, they are the text again.
    end, breaks = 0, []
    for piece in pieces:
        start = text.index(piece, end)
        breaks.append(text[end:start])
        end = start + len(piece)
    assert end == len(text) and breaks[0] == ""
    assert breaks[1:] == ["\n\n", "\n\n"]  # paragraph breaks, not mid-paragraph


def test_cuts_fall_between_words_and_a_word_too_long_is_cut_anyway() -> None:
    words = " ".join(["orientation"] * 1000)  # one paragraph, one line
    pieces = split_text(words, limit=100)
    assert all(len(p) <= 100 for p in pieces)
    assert all(set(p.split()) == {"orientation"} for p in pieces)
    assert " ".join(pieces) == words
    assert split_text("a" * 250, limit=100) == ["a" * 100, "a" * 100, "a" * 50]
    assert split_text("  \n ", MAX_TEXT) == []


def test_length_is_counted_as_telegram_counts_it() -> None:
    pieces = split_text("🙂" * 3000, MAX_TEXT)  # two UTF-16 units each
    assert [len(p) for p in pieces] == [2048, 952]


def test_buttons_carry_the_numbers_under_the_last_piece_only() -> None:
    reply = Outbound("telegram", str(CHAT), long_text(), choices=REGIONS)
    messages = render_telegram(reply)
    assert len(messages) == 3
    assert ["reply_markup" in m for m in messages] == [False, False, True]
    markup = messages[-1]["reply_markup"]
    assert [b.callback_data for row in markup.inline_keyboard for b in row] == ["1", "2", "3", "4"]


def test_short_choices_go_two_to_a_row_and_longer_ones_one() -> None:
    short = render_telegram(Outbound("telegram", str(CHAT), QUESTION, choices=REGIONS))
    assert short == [{"text": QUESTION, "reply_markup": short[0]["reply_markup"]}]
    assert buttons(short[0]["reply_markup"]) == [
        [("1. Conakry", "1"), ("2. Boké", "2")],
        [("3. Labé", "3"), ("4. Kankan", "4")],
    ]
    sentences = (Choice(1, "a", "Je suis rentré(e) par mes propres moyens"), Choice(2, "b", "Non"))
    markup = render_telegram(Outbound("telegram", str(CHAT), QUESTION, choices=sentences))
    assert [len(row) for row in markup[0]["reply_markup"].inline_keyboard] == [1, 1]


def test_long_labels_are_shortened_on_buttons_and_listed_whole_in_the_text() -> None:
    label = "Métiers qui vous intéressent : Énergie solaire : installation et entretien"
    choices = (Choice(1, "ok", "Tout est juste"), Choice(2, "trades", label))
    [message] = render_telegram(Outbound("telegram", str(CHAT), "Voici vos réponses.", choices))
    texts = [b.text for row in message["reply_markup"].inline_keyboard for b in row]
    assert texts[0] == "1. Tout est juste"
    assert texts[1].startswith("2. Métiers qui vous intéressent") and texts[1].endswith("…")
    assert len(texts[1]) <= len("2. ") + 60
    assert f"2. {label}" in message["text"]


def test_several_answers_allowed_still_get_buttons() -> None:
    reply = Outbound("telegram", str(CHAT), "Vos besoins ?", choices=REGIONS, multi=True)
    assert "reply_markup" in render_telegram(reply)[0]


def test_a_reply_without_choices_has_no_keyboard_and_nothing_is_not_sent() -> None:
    assert render_telegram(Outbound("telegram", str(CHAT), "Merci.")) == [{"text": "Merci."}]
    assert render_telegram(Outbound("telegram", str(CHAT), " ")) == []


def test_the_phone_button_asks_for_the_persons_own_contact() -> None:
    keyboard = request_phone_keyboard("fr")
    [[button]] = keyboard.keyboard
    assert button.request_contact is True
    assert button.text == "Partager mon numéro de téléphone"
    assert keyboard.one_time_keyboard is True


@pytest.mark.parametrize(
    ("setting", "urls"),
    [
        ("", ("https://api.telegram.org/bot", "https://api.telegram.org/file/bot")),
        ("http://127.0.0.1:8081", ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot")),
        (
            "http://127.0.0.1:8081/bot/",
            ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot"),
        ),
    ],
)
def test_the_api_base_url_setting(setting: str, urls: tuple[str, str], tmp_path: Path) -> None:
    assert bot_api_urls(setting) == urls
    environ = {"TELEGRAM_API_BASE_URL": setting, "ORIENTA_VAR_DIR": str(tmp_path)}
    assert load_settings(environ, env_file=None).telegram_api_base_url == setting.rstrip("/")


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
    assert len(telegram.calls_to("getMe")) == 1


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
    telegram.latency = 1.0
    with pytest.raises(UncertainSendError):
        send(url, reminder(), timeout=0.2)


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


def test_polling_mode_answers_without_a_public_url(
    settings: Settings, clock: FakeClock, fake: tuple[FakeTelegram, str]
) -> None:
    """`orienta serve --telegram-polling`: only the token; updates fetched, answered once."""
    import time

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
    telegram.updates.append(message_update("bonjour", update_id=7001))
    try:
        with serve(create_app(orienta, telegram_polling=True)):
            deadline = time.monotonic() + 20
            while not telegram.sent and time.monotonic() < deadline:
                time.sleep(0.05)
            telegram.updates.append(message_update("1", update_id=7002))
            while len(telegram.sent) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.3)  # a confirmed update must not be fetched and answered again
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
