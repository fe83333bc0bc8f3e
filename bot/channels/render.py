"""Rendering an `Outbound` as each channel shows it.

SMS: one compact line per option (`1 Boké`), for basic phones and small bills, folded to
GSM-7 when that keeps the meaning (`’` → `'`, `ê` → `e`: 160 characters a part, not 70).
WhatsApp and the console: a numbered list (`1. Boké`).
Telegram: the text, with the options as buttons (shown as `[1] Boké` in a terminal).
"""

from __future__ import annotations

from bot.messaging import Outbound
from bot.sms import fold_to_gsm7
from bot.types import Channel

__all__ = [
    "render_numbered_menu",
    "render_plain",
    "render_sms_menu",
    "render_telegram_in_terminal",
]


def render_sms_menu(outbound: Outbound) -> str:
    lines = [outbound.text, *(f"{c.number} {c.label}" for c in outbound.choices)]
    return fold_to_gsm7("\n".join(lines))


def render_numbered_menu(outbound: Outbound) -> str:
    if not outbound.choices:
        return outbound.text
    options = "\n".join(f"{c.number}. {c.label}" for c in outbound.choices)
    return f"{outbound.text}\n\n{options}"


def render_telegram_in_terminal(outbound: Outbound) -> str:
    if not outbound.choices:
        return outbound.text
    buttons = "\n".join(f"[{c.number}] {c.label}" for c in outbound.choices)
    return f"{outbound.text}\n{buttons}"


def render_plain(outbound: Outbound, channel: Channel) -> str:
    """The text a person would read on `channel` (buttons drawn as `[n]` for Telegram; a
    recording as `(audio: message.id)`)."""
    if outbound.media and not outbound.text:
        return f"(audio: {', '.join(outbound.message_ids)})"
    if channel == "sms":
        return render_sms_menu(outbound)
    if channel == "telegram":
        return render_telegram_in_terminal(outbound)
    return render_numbered_menu(outbound)
