"""`orienta audio`: recorded prompts (voice), per language.

    orienta audio add LANG MESSAGE_ID FILE    store a recording (replaces any)
    orienta audio missing LANG                what is left to record, or to record again

See docs/channels.md (Voice prompts) and bot/voice.py.
"""

from __future__ import annotations

import argparse
import sys

from bot.errors import OrientaError
from bot.i18n.languages import codes

__all__ = ["add_audio_parser"]


def _add(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.app import open_orienta
    from bot.voice.recordings import add_recording, audio_type, check_recording

    path = Path(args.file)
    if not path.is_file():
        raise OrientaError(f"No such file: {path}")
    # Everything that can be refused is refused before the database is opened.
    check_recording(args.lang, args.message_id, path.stat().st_size)
    data = path.read_bytes()
    audio_type(data)
    orienta = open_orienta()
    try:
        with orienta.sessions.begin() as session:
            prompt = add_recording(session, args.lang, args.message_id, data)
            print(
                f"Recorded {prompt.message_id} in {prompt.language}: {prompt.content_type}, "
                f"{prompt.size_bytes} bytes, sha256 {prompt.sha256[:16]}."
            )
    finally:
        orienta.close()
    return 0


def _missing(args: argparse.Namespace) -> int:
    from bot.app import open_orienta
    from bot.voice.recordings import missing, recordable_messages, stale

    orienta = open_orienta()
    try:
        with orienta.sessions() as session:
            left = missing(session, args.lang)
            older = stale(session, args.lang)
    finally:
        orienta.close()
    # One line per message (id, tab, French text): `cut -f1` gives the ids.
    for message_id, text in left:
        note = "\t(recorded from an older French text)" if message_id in older else ""
        print(f"{message_id}\t{text.replace(chr(10), ' ')}{note}")
    total = len(recordable_messages())
    print(
        f"{len(left)} of {total} messages have no current recording in {args.lang}"
        + (f" ({len(older)} recorded from an older French text)" if older else "")
        + ".",
        file=sys.stderr,
    )
    return 0


def add_audio_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`orienta audio add|missing`, under the `orienta` command's subparsers `sub`."""
    audio = sub.add_parser("audio", help="recorded prompts (voice), per language")
    audio_sub = audio.add_subparsers(dest="audio_command", required=True)
    add = audio_sub.add_parser(
        "add",
        help="store a recording of one message (Ogg/Opus, MP3, M4A or AMR, up to 5 MB; "
        "replaces any)",
    )
    add.add_argument("lang", choices=sorted(codes()), metavar="LANG", help="e.g. ff")
    add.add_argument("message_id", metavar="MESSAGE_ID", help="e.g. consent.ask")
    add.add_argument("file", metavar="FILE")
    add.set_defaults(func=_add)
    missing = audio_sub.add_parser(
        "missing", help="messages with no recording (or one of an older French text)"
    )
    missing.add_argument("lang", choices=sorted(codes()), metavar="LANG")
    missing.set_defaults(func=_missing)
