"""How a menu looks on each channel."""

from __future__ import annotations

import pytest

from bot.channels.layout import (
    render_numbered_menu,
    render_plain,
    render_sms_menu,
    render_telegram_in_terminal,
)
from bot.messaging import Choice, Outbound
from bot.types import Channel

QUESTION = "Dans quelle région vivez-vous maintenant ?"
CHOICES = (Choice(1, "conakry", "Conakry"), Choice(2, "boke", "Boké"), Choice(3, "labe", "Labé"))


def outbound(channel: Channel, choices: tuple[Choice, ...] = CHOICES) -> Outbound:
    return Outbound(channel=channel, address="+224000000001", text=QUESTION, choices=choices)


def test_sms_one_compact_line_per_option() -> None:
    assert render_sms_menu(outbound("sms")) == f"{QUESTION}\n1 Conakry\n2 Boké\n3 Labé"


def test_whatsapp_a_numbered_list() -> None:
    assert render_numbered_menu(outbound("whatsapp")) == (
        f"{QUESTION}\n\n1. Conakry\n2. Boké\n3. Labé"
    )


def test_telegram_buttons_drawn_in_a_terminal() -> None:
    assert render_telegram_in_terminal(outbound("telegram")) == (
        f"{QUESTION}\n[1] Conakry\n[2] Boké\n[3] Labé"
    )


@pytest.mark.parametrize(
    ("channel", "first_option"),
    [
        ("sms", "1 Conakry"),
        ("whatsapp", "1. Conakry"),
        ("telegram", "[1] Conakry"),
    ],
)
def test_render_plain_draws_each_channel_its_way(channel: Channel, first_option: str) -> None:
    lines = render_plain(outbound(channel), channel).splitlines()
    assert lines[0] == QUESTION
    assert first_option in lines
    assert lines[-1].endswith("Labé")


@pytest.mark.parametrize("channel", ["sms", "whatsapp", "telegram"])
def test_no_choices_is_the_text_alone(channel: Channel) -> None:
    message = outbound(channel, choices=())
    assert render_plain(message, channel) == QUESTION
    assert render_sms_menu(message) == QUESTION
    assert render_numbered_menu(message) == QUESTION
    assert render_telegram_in_terminal(message) == QUESTION


def test_numbers_are_the_choices_own() -> None:
    later = (Choice(9, "health", "Santé"), Choice(10, "urgent", "Aide urgente"))
    lines = render_sms_menu(outbound("sms", later)).splitlines()
    assert lines[1:] == ["9 Santé", "10 Aide urgente"]
