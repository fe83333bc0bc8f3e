"""The text kept while a request for help is open, for the staff who answer it.

From the message that opened an episode until it is closed, what the person writes, what
the bot answers them and what staff write are kept (`help_messages`), each sealed with
Fernet (AES-128-CBC with an HMAC-SHA256, from `cryptography`) before it reaches the
database, under ORIENTA_KEPT_TEXT_KEY or, when that is empty, a key derived from
SECRET_KEY. `purge` deletes them ORIENTA_KEPT_TEXT_DAYS after the episode is closed; an
erasure deletes them with the person. Nothing of any other conversation is kept.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from cryptography.fernet import Fernet
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.channels.layout import render_plain
from bot.errors import ConfigError
from bot.messaging import Outbound
from bot.settings import Settings
from bot.storage.models import HelpEpisode, HelpMessage

__all__ = [
    "KeptMessage",
    "conversation",
    "keep",
    "keep_exchange",
    "purge",
    "seal",
    "unseal",
]

AUTHORS = ("person", "bot", "staff")


@dataclass(frozen=True)
class KeptMessage:
    at: datetime
    author: str
    """person | bot | staff"""
    staff_id: str | None
    text: str


@cache
def _fernet(key: str, secret_key: str) -> Fernet:
    if not key:
        digest = hashlib.sha256(b"orienta-kept-text:" + secret_key.encode()).digest()
        return Fernet(base64.urlsafe_b64encode(digest))
    try:
        return Fernet(key)
    except ValueError:
        raise ConfigError(
            "Config 'ORIENTA_KEPT_TEXT_KEY' must be a Fernet key: 32 bytes in url-safe "
            "base64 (make one with `python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'`), or empty to derive one from "
            "SECRET_KEY."
        ) from None


def seal(settings: Settings, text: str) -> bytes:
    """`text` encrypted and authenticated: what the database holds."""
    return _fernet(settings.kept_text_key, settings.secret_key).encrypt(text.encode("utf-8"))


def unseal(settings: Settings, sealed: bytes) -> str:
    """The text `sealed` holds (cryptography.fernet.InvalidToken under another key)."""
    fernet = _fernet(settings.kept_text_key, settings.secret_key)
    return fernet.decrypt(bytes(sealed)).decode("utf-8")


def keep(
    session: Session,
    settings: Settings,
    episode_id: int,
    author: str,
    text: str,
    now: datetime,
    staff_id: str | None = None,
) -> None:
    """One message of episode `episode_id`, sealed; an empty text keeps nothing."""
    if author not in AUTHORS:
        raise ValueError(f"Unknown author {author!r}; one of {', '.join(AUTHORS)}.")
    if not text.strip():
        return
    session.add(
        HelpMessage(
            episode_id=episode_id,
            at=now,
            author=author,
            staff_id=staff_id,
            sealed=seal(settings, text),
        )
    )


def keep_exchange(
    session: Session,
    settings: Settings,
    episode: HelpEpisode | None,
    text: str,
    replies: Sequence[Outbound],
    now: datetime,
) -> None:
    """What the person wrote and the bot's replies to it, as they read them on their
    channel, when the person has an open `episode` (from the message that opened it);
    for anyone else (None), nothing."""
    if episode is None or episode.state == "closed":
        return
    keep(session, settings, episode.id, "person", text, now)
    for reply in replies:
        if reply.text:  # a recording alone carries no text: its words follow it
            keep(session, settings, episode.id, "bot", render_plain(reply, reply.channel), now)


def conversation(session: Session, settings: Settings, episode_id: int) -> list[KeptMessage]:
    """The kept messages of episode `episode_id`, oldest first."""
    rows = session.execute(
        select(HelpMessage.at, HelpMessage.author, HelpMessage.staff_id, HelpMessage.sealed)
        .where(HelpMessage.episode_id == episode_id)
        .order_by(HelpMessage.at, HelpMessage.id)
    )
    return [
        KeptMessage(at, author, staff_id, unseal(settings, sealed))
        for at, author, staff_id, sealed in rows
    ]


def purge(session: Session, settings: Settings, now: datetime) -> int:
    """Delete the kept messages of episodes closed more than ORIENTA_KEPT_TEXT_DAYS ago;
    how many were deleted."""
    before = now - timedelta(days=settings.kept_text_days)
    closed = select(HelpEpisode.id).where(
        HelpEpisode.state == "closed", HelpEpisode.closed_at < before
    )
    deleted = session.execute(
        delete(HelpMessage)
        .where(HelpMessage.episode_id.in_(closed))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(deleted, "rowcount", 0) or 0)
