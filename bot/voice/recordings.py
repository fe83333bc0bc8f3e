"""Voice prompts: a recording of any message, per language, for people who read little.

A recording is made from one French text (its sha256 is kept): when the French changes,
the recording is stale, counts as missing and is never sent. Prompts are read with their
options, so one recording per question is enough.

How audio travels: the engine attaches, for WhatsApp and Telegram and for a person with
voice on, one media-only reply per recording before the text, whose media is the
recording's URL `{PUBLIC_BASE_URL}/media/voice/{id}-{sha256[:16]}.{ext}`. Twilio fetches
that URL from our app (bot/web.py serves it); the Telegram sender reads the bytes from
the database and uploads them (sendVoice for Ogg/Opus, sendAudio otherwise), so Telegram
needs no public URL. A recording deleted in between is skipped, never an error (on
Telegram its row is cancelled; see docs/channels.md, Voice prompts).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.base import VoiceFile
from bot.errors import OrientaError
from bot.i18n.languages import codes
from bot.storage.models import VoicePrompt

__all__ = [
    "MAX_BYTES",
    "Recording",
    "VoiceFile",
    "add_recording",
    "audio_type",
    "check_recording",
    "find_recordings",
    "load_voice_file",
    "missing",
    "recordable_messages",
    "recorded_share",
    "stale",
    "text_sha256",
    "voice_loader",
    "voice_path",
]

MAX_BYTES = 5 * 1024 * 1024  # WhatsApp takes audio up to 16 MB; prompts are seconds long

# content type → file extension, for the types WhatsApp and Telegram both play.
EXTENSIONS = {
    "audio/ogg": "ogg",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "audio/amr": "amr",
}
PATH = re.compile(r"/media/voice/(?P<id>\d+)-(?P<sha>[0-9a-f]{16})\.(?P<ext>[a-z0-9]{2,4})$")


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def audio_type(data: bytes) -> str:
    """The content type of an audio file, from its first bytes."""
    if data.startswith(b"OggS"):
        return "audio/ogg"
    if data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if data[4:8] == b"ftyp":
        return "audio/mp4"
    if data.startswith(b"#!AMR"):
        return "audio/amr"
    raise OrientaError(
        "Not an audio file Orienta can send: use Ogg/Opus (best for WhatsApp and Telegram "
        "voice notes), MP3, M4A or AMR."
    )


def recordable_messages() -> dict[str, str]:
    """Message id → French text, for every message a person can be sent (the template's
    messages, without the word lists that are read, never sent)."""
    from bot.i18n.catalogs import load_template

    return {
        str(m.context): str(m.id)
        for m in load_template()
        if m.id and m.context and not str(m.context).startswith(WORD_LISTS)
    }


# Lists of what people type (keywords, phrases, words of answers): read, never sent.
WORD_LISTS = ("keyword.", "distress.", "phrases.", "handoff.phrases", "understand.")


def check_recording(lang: str, message_id: str, size: int) -> str:
    """The French text of `message_id`, if a recording of `size` bytes can be stored for
    it in `lang`; otherwise an OrientaError saying why."""
    if lang not in codes():
        raise OrientaError(f"Unknown language {lang!r}; known: {', '.join(codes())}.")
    messages = recordable_messages()
    if message_id not in messages:
        raise OrientaError(
            f"Unknown message id {message_id!r}: see `orienta audio missing {lang}` for the "
            "ids that can be recorded."
        )
    if size == 0:
        raise OrientaError("The file is empty.")
    if size > MAX_BYTES:
        raise OrientaError(f"The file is over {MAX_BYTES // (1024 * 1024)} MB: keep prompts short.")
    return messages[message_id]


def add_recording(
    session: Session, lang: str, message_id: str, data: bytes, now: datetime | None = None
) -> VoicePrompt:
    """Store (or replace) the recording of `message_id` in `lang`."""
    french = check_recording(lang, message_id, len(data))
    content_type = audio_type(data)
    prompt = session.scalars(
        select(VoicePrompt).where(
            VoicePrompt.language == lang, VoicePrompt.message_id == message_id
        )
    ).one_or_none()
    if prompt is None:
        prompt = VoicePrompt(language=lang, message_id=message_id)
        session.add(prompt)
    prompt.content_type = content_type
    prompt.data = data
    prompt.size_bytes = len(data)
    prompt.sha256 = hashlib.sha256(data).hexdigest()
    prompt.source_text_sha256 = text_sha256(french)
    prompt.created_at = now or datetime.now(UTC)
    session.flush()
    return prompt


def _fresh(session: Session, lang: str, texts: dict[str, str]) -> list[tuple[int, str, str, str]]:
    """(id, message_id, sha256, content_type) of `lang`'s recordings of the current texts."""
    rows = session.execute(
        select(
            VoicePrompt.id,
            VoicePrompt.message_id,
            VoicePrompt.sha256,
            VoicePrompt.content_type,
            VoicePrompt.source_text_sha256,
        ).where(VoicePrompt.language == lang, VoicePrompt.message_id.in_(list(texts)))
    ).all()
    return [
        (id_, message_id, sha, content_type)
        for id_, message_id, sha, content_type, source in rows
        if source == text_sha256(texts[message_id])
    ]


def missing(session: Session, lang: str) -> list[tuple[str, str]]:
    """(message id, French text) of every message with no current recording in `lang`."""
    messages = recordable_messages()
    recorded = {message_id for _, message_id, _, _ in _fresh(session, lang, messages)}
    return [(mid, text) for mid, text in messages.items() if mid not in recorded]


def stale(session: Session, lang: str) -> set[str]:
    """Ids of the messages whose recording in `lang` was made from an older French text
    (they are among `missing`: record them again)."""
    messages = recordable_messages()
    rows = session.execute(
        select(VoicePrompt.message_id, VoicePrompt.source_text_sha256).where(
            VoicePrompt.language == lang, VoicePrompt.message_id.in_(list(messages))
        )
    ).all()
    return {mid for mid, source in rows if source != text_sha256(messages[mid])}


def recorded_share(session: Session, lang: str) -> tuple[int, int]:
    """(recorded, recordable) messages in `lang`, current recordings only."""
    messages = recordable_messages()
    return len(_fresh(session, lang, messages)), len(messages)


@dataclass(frozen=True)
class Recording:
    id: int
    message_id: str
    sha256: str
    content_type: str

    def path(self) -> str:
        return voice_path(self.id, self.sha256, self.content_type)


def voice_path(id_: int, sha256: str, content_type: str) -> str:
    """The URL path a recording is served at; it changes when the bytes do."""
    return f"/media/voice/{id_}-{sha256[:16]}.{EXTENSIONS.get(content_type, 'bin')}"


def find_recordings(
    session: Session, lang: str, messages: Iterable[tuple[str, str]]
) -> dict[str, Recording]:
    """Message id → current recording in `lang`, for (message id, French text) pairs; one
    query."""
    texts = dict(messages)
    if not texts:
        return {}
    return {
        message_id: Recording(id_, message_id, sha, content_type)
        for id_, message_id, sha, content_type in _fresh(session, lang, texts)
    }


def load_voice_file(session: Session, url_or_path: str) -> VoiceFile | None:
    """The bytes behind a voice URL (or its path), if that recording still exists and has
    not changed since the URL was made."""
    match = PATH.search(url_or_path.split("?", 1)[0])
    if match is None:
        return None
    prompt = session.get(VoicePrompt, int(match["id"]))
    if prompt is None or not prompt.sha256.startswith(match["sha"]):
        return None
    if EXTENSIONS.get(prompt.content_type, "bin") != match["ext"]:
        return None
    return VoiceFile(prompt.data, prompt.content_type)


def voice_loader(sessions: sessionmaker[Session]) -> Callable[[str], VoiceFile | None]:
    """`load_voice_file` with its own short session, for senders (Telegram uploads)."""

    def load(url: str) -> VoiceFile | None:
        with sessions() as session:
            return load_voice_file(session, url)

    return load
