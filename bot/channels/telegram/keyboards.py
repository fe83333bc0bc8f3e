"""Telegram messages out: a reply as `sendMessage` parameters, its choices as inline
buttons (their numbers are what a tap sends back), and the share-my-phone keyboard."""

from __future__ import annotations

from typing import Required, TypedDict

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup
from telegram.constants import MessageLimit

from bot.channels.layout import render_numbered_menu, split_text
from bot.i18n import M, translate
from bot.messaging import Choice, Outbound

__all__ = [
    "MAX_LABEL",
    "MAX_TEXT",
    "SendParams",
    "inline_keyboard",
    "render_telegram",
    "request_phone_keyboard",
    "telegram_body",
]

MAX_TEXT = int(MessageLimit.MAX_TEXT_LENGTH)  # 4096, counted in UTF-16 code units
MAX_LABEL = 60
SHORT_BUTTON = 20  # buttons this short go two to a row

SHARE_PHONE = M("telegram.share_phone", "Partager mon numéro de téléphone")


def telegram_body(outbound: Outbound) -> str:
    """The text of a reply as Telegram shows it, over its buttons: with every choice
    listed whole as well when a button would have to shorten one."""
    if any(len(choice.label) > MAX_LABEL for choice in outbound.choices):
        return render_numbered_menu(outbound)
    return outbound.text


class SendParams(TypedDict, total=False):
    """Keyword arguments of `Bot.send_message` for one message."""

    text: Required[str]
    reply_markup: InlineKeyboardMarkup | ReplyKeyboardMarkup


def render_telegram(outbound: Outbound) -> list[SendParams]:
    """The messages `outbound` is sent as: its text cut under Telegram's limit, the
    choices as buttons under the last one. Empty when there is nothing to say."""
    if not outbound.choices:
        plain = [SendParams(text=chunk) for chunk in split_text(outbound.text, MAX_TEXT)]
        if outbound.ask_phone and plain:
            plain[-1]["reply_markup"] = request_phone_keyboard(outbound.language)
        return plain
    # Shortened buttons would hide part of a choice (an answer in the summary, say): the
    # text then lists every choice whole as well.
    chunks = split_text(telegram_body(outbound), MAX_TEXT)
    messages: list[SendParams] = [{"text": chunk} for chunk in chunks or ["…"]]
    messages[-1]["reply_markup"] = inline_keyboard(outbound.choices)
    return messages


def inline_keyboard(choices: tuple[Choice, ...]) -> InlineKeyboardMarkup:
    """One button per choice, sending its number. Where several answers are allowed
    (`multi`), a tap gives the one it carries; typing "1,3" still gives several."""
    buttons = [
        InlineKeyboardButton(_button_text(choice), callback_data=str(choice.number))
        for choice in choices
    ]
    per_row = 2 if all(len(button.text) <= SHORT_BUTTON for button in buttons) else 1
    return InlineKeyboardMarkup(
        [buttons[start : start + per_row] for start in range(0, len(buttons), per_row)]
    )


def _button_text(choice: Choice) -> str:
    """`3. Label`: the number, for people who would rather type it."""
    label = choice.label
    if len(label) > MAX_LABEL:
        cut = label[: MAX_LABEL - 1]
        space = cut.rfind(" ")
        if space >= MAX_LABEL * 2 // 3:  # end on a whole word, unless it costs too much
            cut = cut[:space]
        label = cut.rstrip(" ,;:-") + "…"
    return f"{choice.number}. {label}"


def request_phone_keyboard(language: str | None = None) -> ReplyKeyboardMarkup:
    """A keyboard whose one button shares the person's own phone (`Inbound.shared_phone`)."""
    button = KeyboardButton(translate(SHARE_PHONE, language), request_contact=True)
    return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)
