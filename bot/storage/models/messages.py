"""Messages in and out: the inbound log (provider ids, never texts), the outbox, and
the recorded prompts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.storage.models.base import Base, IntPk, JSONType, MaybeTimestamp, Timestamp


class InboundMessage(Base):
    """Every message received. The provider id makes a redelivery recognisable."""

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("channel", "provider_id"),)

    id: Mapped[IntPk]
    channel: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[str] = mapped_column(String(128))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    identity_id: Mapped[int | None] = mapped_column(
        ForeignKey("channel_identities.id", ondelete="SET NULL"), index=True
    )
    """The address it came from. Inserting the row marks, by a trigger, when the person
    last wrote on their contact and on that identity (which is reachable again)."""
    kind: Mapped[str] = mapped_column(String(16), default="text")
    """text | media | empty. What people write is not kept: answers are stored as option
    keys, and free text (names, stories, "je suis en danger") is nobody's business here."""
    received_at: Mapped[Timestamp]


class OutboxMessage(Base):
    """Everything Orienta sends: replies handed back to a channel, and queued messages."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index(None, "status", "due_at"),)

    id: Mapped[IntPk]
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    identity_id: Mapped[int | None] = mapped_column(
        ForeignKey("channel_identities.id", ondelete="CASCADE"), index=True
    )
    inbound_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="SET NULL"), index=True
    )
    inbound: Mapped[InboundMessage | None] = relationship()
    """The message this row answers, for writing both in one flush."""
    partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    """Set for a message to a partner's focal point (sent to `partners.focal_address`)."""
    channel: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    """replied (handed back to the channel for an inline answer) | queued | sending | sent |
    delivered | read | failed | cancelled (nobody to send to any more)"""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[Timestamp]
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]
    sent_at: Mapped[MaybeTimestamp]
    provider_message_id: Mapped[str | None] = mapped_column(String(128), index=True)
    last_error: Mapped[str | None] = mapped_column(String(255))


class VoicePrompt(Base):
    """A recording of one message in one language (`orienta audio add`). Stored in the
    database so that every web and worker process serves the same bytes. Generic prompts
    read by a speaker of the language: no personal data."""

    __tablename__ = "voice_prompts"
    __table_args__ = (UniqueConstraint("language", "message_id"),)

    id: Mapped[IntPk]
    language: Mapped[str] = mapped_column(String(8))
    message_id: Mapped[str] = mapped_column(String(80))
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    source_text_sha256: Mapped[str] = mapped_column(String(64))
    """The French text the recording was made from: when the text changes, the
    recording is stale and counts as missing (never sent)."""
    created_at: Mapped[Timestamp]
