"""Help episodes: a person asked for urgent help or to talk to someone, and what became
of it. An episode keeps only that help was asked, its category, what the person chose and
when their phone is safe to use, and the states staff move it through: never the words.
The words of an open episode are its messages, sealed (`HelpMessage`, bot/engine/kept.py).
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, IntPk, MaybeTimestamp, Timestamp

__all__ = ["HelpEpisode", "HelpMessage"]


class HelpEpisode(Base):
    """One request for help, from the first message that asked until staff close it
    (the state machine is bot/engine/help.py)."""

    __tablename__ = "help_episodes"
    __table_args__ = (Index("ix_help_episodes_open", "state", "opened_at"),)

    id: Mapped[IntPk]
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    """urgent | handoff (asked to talk to a person)"""
    category: Mapped[str | None] = mapped_column(String(16))
    """For urgent help: self_harm | violence | trafficking | other."""
    state: Mapped[str] = mapped_column(String(16), default="requested")
    """requested | taken | handed_back | closed"""
    opened_at: Mapped[Timestamp]
    last_message_at: Mapped[Timestamp]
    """The person's latest message in this episode (a second call adds only this)."""
    choice: Mapped[str | None] = mapped_column(String(16))
    """What the person chose after the urgent answer: contact | later | now."""
    safe_contact: Mapped[str | None] = mapped_column(String(16))
    """Whether and when the number is safe to use, as the person said:
    any | morning | afternoon | evening | no."""
    safe_contact_at: Mapped[MaybeTimestamp]
    taken_by: Mapped[str | None] = mapped_column(String(64))
    """The staff member who has it (their account's public id)."""
    taken_at: Mapped[MaybeTimestamp]
    handed_back_at: Mapped[MaybeTimestamp]
    closed_at: Mapped[MaybeTimestamp]
    outcome: Mapped[str | None] = mapped_column(String(16))
    """reached | referred | no_answer | not_needed"""
    notified_at: Mapped[MaybeTimestamp]
    """When on-duty staff were last told that this urgent request waits untaken."""
    notifications: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class HelpMessage(Base):
    """A message of an open help episode, kept for staff to read: what the person wrote,
    what the bot and staff answered, from the episode's start. The text is encrypted
    from the first byte (`sealed`: a Fernet token under ORIENTA_KEPT_TEXT_KEY); rows go
    with their episode, ORIENTA_KEPT_TEXT_DAYS after it is closed, and with the person."""

    __tablename__ = "help_messages"

    id: Mapped[IntPk]
    episode_id: Mapped[int] = mapped_column(
        ForeignKey("help_episodes.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[Timestamp]
    author: Mapped[str] = mapped_column(String(16))
    """person | bot | staff"""
    staff_id: Mapped[str | None] = mapped_column(String(64))
    """For a staff member's words: their account's public id."""
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
