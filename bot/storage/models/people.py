"""A person, how to reach them, where they are in a conversation, their answers, what
staff must look at, and the anonymous record of a refused consent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.storage.models.base import (
    Base,
    IntPk,
    JSONType,
    MaybeTimestamp,
    Timestamp,
    UTCDateTime,
    public_id,
)


class Contact(Base):
    """A person, whatever channel they write from."""

    __tablename__ = "contacts"

    id: Mapped[IntPk]
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=public_id)
    language: Mapped[str | None] = mapped_column(String(8))
    consent: Mapped[str] = mapped_column(String(16), default="pending")
    """pending | given | refused"""
    consent_version: Mapped[str | None] = mapped_column(String(16))
    consent_at: Mapped[MaybeTimestamp]
    opted_out_at: Mapped[MaybeTimestamp]
    created_at: Mapped[Timestamp]
    last_inbound_at: Mapped[MaybeTimestamp]
    voice: Mapped[bool | None] = mapped_column(Boolean)
    """Send recorded prompts on WhatsApp and Telegram: True after ECOUTER, False after
    TEXTE, None for the language's default (ORIENTA_ORAL_FIRST_LANGUAGES)."""
    referred_by_partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id", ondelete="SET NULL")
    )
    """The partner whose referral code brought the person (their offers come first)."""
    help_state: Mapped[str | None] = mapped_column(String(16))
    """The state of the person's open help episode (requested | taken | handed_back),
    None when none is open: read with the person at every message, kept in step with the
    episode by bot/engine/help.py alone."""
    shielded_at: Mapped[MaybeTimestamp]
    """Set while an urgent request about violence or trafficking is open and the person
    did not say their phone is safe at any time: Orienta starts nothing to them (no
    reminder, nudge or broadcast; bot/outbox/policy.py). Cleared when it is closed."""

    test: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """A test person, made by staff in the admin's simulator: counted nowhere, in no
    audience or notification, taking no real place (bot/outbox/policy.py `real_people`)."""
    paused_at: Mapped[MaybeTimestamp]
    """Set by staff in the admin: the bot no longer talks to the person by itself (it
    starts nothing and answers only STOP, EFFACER and calls for help; bot/outbox/policy.py
    and the engine) until staff resume it."""

    identities: Mapped[list[ChannelIdentity]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", passive_deletes=True
    )


class ChannelIdentity(Base):
    """How to reach a contact on one channel. The address is sensitive."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "address_hash"),)

    id: Mapped[IntPk]
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    address_hash: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[Timestamp]
    unreachable_at: Mapped[MaybeTimestamp]
    last_inbound_at: Mapped[MaybeTimestamp]
    """When the person last wrote on this channel (WhatsApp's 24-hour window)."""

    contact: Mapped[Contact] = relationship(back_populates="identities")


class Conversation(Base):
    """Where a contact is in a flow. All conversation state lives here, never in memory."""

    __tablename__ = "conversations"

    id: Mapped[IntPk]
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), unique=True
    )
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str | None] = mapped_column(String(64))
    retries: Mapped[int] = mapped_column(Integer, default=0)
    queue: Mapped[list[str]] = mapped_column(JSONType, default=list)
    context: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, server_default="{}")
    """What the booking steps are about: the services proposed, the one chosen, the
    booking being changed or followed up (ids only)."""
    started_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp] = mapped_column(UTCDateTime(), index=True)
    completed_at: Mapped[MaybeTimestamp]
    nudged_at: Mapped[MaybeTimestamp]
    """When the one nudge after an abandoned orientation went (bot/jobs.py)."""

    # Written only if still as read: `updated_at` is the row's version. On PostgreSQL a
    # turn that waited for the person's lock (another process, another address of
    # theirs) read the conversation and answers as they were when it started waiting:
    # its UPDATE then matches no row (StaleDataError), and the turn runs again on what
    # the other one committed (bot/storage/groups.py). The writer sets the new value.
    __mapper_args__ = {  # noqa: RUF012 (read once, by the mapper)
        "version_id_col": updated_at,
        "version_id_generator": False,
    }


class Answer(Base):
    """One answer of a contact, under a field name and an option key (or keys)."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("contact_id", "field"),)

    id: Mapped[IntPk]
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any] = mapped_column(JSONType)
    updated_at: Mapped[Timestamp]


class Flag(Base):
    """Something staff must look at, such as a request for urgent help."""

    __tablename__ = "flags"

    id: Mapped[IntPk]
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[Timestamp]
    resolved_at: Mapped[MaybeTimestamp]


class ConsentRefusal(Base):
    """That someone said no, and to which consent text: nothing about who."""

    __tablename__ = "consent_refusals"

    id: Mapped[IntPk]
    consent_version: Mapped[str] = mapped_column(String(16))
    refused_at: Mapped[Timestamp]
