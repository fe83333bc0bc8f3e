"""Laying a reply out for a channel: menus, length limits, and how it reads on a phone.

SMS: one compact line per option (`1 Boké`), for basic phones and small bills, folded to
GSM-7 when that keeps the meaning (`’` → `'`, `ê` → `e`: 160 characters a part, not 70).
WhatsApp and the console: a numbered list (`1. Boké`).
Telegram: the text, with the options as buttons (shown as `[1] Boké` in a terminal).

A reply longer than its channel's `max_length` is cut into several messages by `parts`
(at a paragraph, else a line, else a word), whatever the channel: the dispatcher and the
inline answers of every provider go through it.
"""

from __future__ import annotations

from dataclasses import replace

from bot.channels.gsm7 import fold_to_gsm7
from bot.messaging import Outbound

__all__ = [
    "parts",
    "render_numbered_menu",
    "render_plain",
    "render_sms_menu",
    "render_telegram_in_terminal",
    "split_text",
    "utf16_length",
]

SEPARATORS = ("\n\n", "\n", " ")  # where a long text is cut, best first


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


def render_plain(outbound: Outbound, channel: str) -> str:
    """The text a person would read on `channel` (buttons drawn as `[n]`; a recording as
    `(audio: message.id)`)."""
    from bot.channels.registry import channel_type

    if outbound.media and not outbound.text:
        return f"(audio: {', '.join(outbound.message_ids)})"
    return channel_type(channel).preview(outbound)


def utf16_length(text: str) -> int:
    """Length as Telegram (and JavaScript) count it: characters beyond U+FFFF count two."""
    # UTF-16-LE takes two bytes a unit (in C, rather than a loop over the characters).
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def split_text(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` UTF-16 units, cut at a paragraph, else a line,
    else a word boundary; only the whitespace at a cut is lost."""
    chunks: list[str] = []
    rest = text.strip()
    while rest:
        end = _fitting(rest, limit)
        if end == len(rest):
            chunks.append(rest)
            break
        cut = _boundary(rest, end)
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return chunks


def _fitting(text: str, limit: int) -> int:
    """How many characters from the start of `text` fit in `limit` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def _boundary(text: str, end: int) -> int:
    """Where to cut `text`, at most `end` characters in: the best kind of break in the
    second half, else the last break of any kind, else `end` (one very long word)."""
    for separator in SEPARATORS:
        at = text.rfind(separator, end // 2, end + len(separator))
        if at > 0:
            return at
    at = max(text.rfind(" ", 1, end + 1), text.rfind("\n", 1, end + 1))
    return at if at > 0 else end


def parts(outbound: Outbound, channel: str) -> list[Outbound]:
    """`outbound` as the messages its channel can carry: itself when it fits.

    Where choices are buttons, only the text is cut and the buttons (and a phone
    button) go with the last piece. Elsewhere the whole body, menu included, is cut,
    each piece then plain text. Media go with the first piece."""
    from bot.channels.registry import channel_type

    kind = channel_type(channel)
    limit = kind.capabilities.max_length
    body = kind.body(outbound)
    if limit is None or utf16_length(body) <= limit:
        return [outbound]
    if kind.capabilities.buttons:
        extra = max(0, utf16_length(body) - utf16_length(outbound.text))
        chunks = split_text(outbound.text, limit)
        if not chunks:  # all menu, no text: the provider lays its buttons out itself
            return [outbound]
        if extra and chunks and utf16_length(chunks[-1]) + extra > limit:
            chunks[-1:] = split_text(chunks[-1], max(1, limit - extra))
        pieces = []
        for n, chunk in enumerate(chunks):
            piece = replace(outbound, text=chunk, media=outbound.media if n == 0 else ())
            if n < len(chunks) - 1:  # the buttons go under the last piece
                piece = replace(piece, choices=(), multi=False, ask_phone=False)
            pieces.append(piece)
        return pieces
    return [
        replace(
            outbound,
            text=chunk,
            choices=(),
            multi=False,
            ask_phone=False,
            media=outbound.media if n == 0 else (),
        )
        for n, chunk in enumerate(split_text(body, limit))
    ]
