"""Replies out (bot/channels/telegram/keyboards.py): texts cut under Telegram's limit,
choices as inline buttons, the share-my-phone keyboard."""

from __future__ import annotations

from pathlib import Path

import pytest
from telegram import InlineKeyboardMarkup

from bot.channels.layout import split_text
from bot.channels.telegram.keyboards import MAX_TEXT, render_telegram, request_phone_keyboard
from bot.channels.telegram.sender import bot_api_urls
from bot.messaging import Choice, Outbound
from bot.settings import load_settings
from tests.channels.telegram.support import (
    CHAT,
    QUESTION,
    REGIONS,
    long_text,
)


def test_a_long_reply_is_split_under_the_limit_with_nothing_lost() -> None:
    text = "\n\n".join(f"Paragraphe {n} " + "mot " * 300 for n in range(10))
    pieces = split_text(text, MAX_TEXT)
    assert all(len(p) <= 4096 for p in pieces) and len(pieces) >= 3
    assert " ".join(pieces).split() == text.split()


# -- render_telegram: the reply out -------------------------------------------------------


def buttons(markup: InlineKeyboardMarkup) -> list[list[tuple[str, str | object]]]:
    return [[(b.text, b.callback_data) for b in row] for row in markup.inline_keyboard]


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
