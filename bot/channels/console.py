"""The terminal channel: talk to Orienta as a returnee would on a phone.

Interactive on a terminal; with stdin redirected it reads one message per line and
prints each reply, so a conversation can be scripted:

    printf '1\n1\n2\n' | orienta chat --channel sms
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterable, Iterator
from typing import Protocol, TextIO

from bot.channels.layout import render_plain
from bot.messaging import Inbound, Outbound
from bot.types import Channel

__all__ = ["MEDIA_COMMANDS", "run_chat"]

# Lines that stand for something other than text, to try what a phone can send.
MEDIA_COMMANDS = {
    "/photo": "image/jpeg",
    "/audio": "audio/ogg",
    "/sticker": "image/webp",
    "/video": "video/mp4",
}
QUIT = {"/quit", "/quitter", "/exit"}


class Handler(Protocol):
    """What answers a message: the engine (`Engine.handle`)."""

    def handle(self, inbound: Inbound, *, send_now: bool = False) -> list[Outbound]: ...


def _inbound(line: str, channel: Channel, user: str, language: str | None) -> Inbound:
    media = MEDIA_COMMANDS.get(line.strip().lower())
    return Inbound(
        channel=channel,
        address=user,
        text="" if media else line,
        media=(media,) if media else (),
        provider_id=f"console-{uuid.uuid4().hex}",
        language=language,
    )


def run_chat(
    engine: Handler,
    *,
    channel: Channel = "sms",
    user: str | None = None,
    language: str | None = None,
    lines: Iterable[str] | None = None,
    out: TextIO = sys.stdout,
    interactive: bool | None = None,
) -> int:
    """Feed each line to the engine and print the replies as `channel` would show them."""
    interactive = sys.stdin.isatty() if interactive is None else interactive
    # A script starts as a new person each run unless a user is named; a person at the
    # terminal continues their own conversation from one run to the next.
    user = user or ("console" if interactive else f"console-{uuid.uuid4().hex[:12]}")
    if interactive:
        print(
            f"Orienta — canal {channel}. Écrivez comme sur un téléphone (par exemple « bonjour »)."
            f" /photo, /audio ou /sticker envoient un média ; /quitter pour sortir.",
            file=out,
        )
    count = 0
    for line in _read(lines, interactive):
        if line.strip().lower() in QUIT:
            break
        if not interactive:
            print(f"> {line}", file=out)
        for outbound in engine.handle(_inbound(line, channel, user, language)):
            prefix = "orienta> " if interactive else ""
            print(prefix + render_plain(outbound, channel), file=out)
            print(file=out)
        count += 1
    return count


def _read(lines: Iterable[str] | None, interactive: bool) -> Iterator[str]:
    if lines is not None:
        yield from (line.rstrip("\n") for line in lines)
        return
    if not interactive:
        yield from (line.rstrip("\n") for line in sys.stdin)
        return
    while True:
        try:
            yield input("vous> ")
        except EOFError:
            return
