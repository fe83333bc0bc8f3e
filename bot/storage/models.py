"""Database tables, as SQLAlchemy 2 typed models.

Phone numbers and chat ids live only in `channel_identities.address`, are looked up by a
keyed hash (`address_hash`), and are never a key, a URL part or a log field. Every row
about a person hangs off `contacts` with ON DELETE CASCADE, so erasing a person is one
delete; the inbound log keeps provider ids (for de-duplication) but loses text and owner.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "Answer",
    "Base",
    "Booking",
    "ChannelIdentity",
    "ConsentRefusal",
    "Contact",
    "Conversation",
    "Flag",
    "InboundMessage",
    "OutboxMessage",
    "Partner",
    "ReferralArrival",
    "ScheduledJob",
    "Service",
    "Slot",
    "Story",
    "VoicePrompt",
]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")

Timestamp = Annotated[datetime, mapped_column(UTCDateTime())]
MaybeTimestamp = Annotated[datetime | None, mapped_column(UTCDateTime())]
IntPk = Annotated[int, mapped_column(Integer, primary_key=True)]


def _public_id() -> str:
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Contact(Base):
    """A person, whatever channel they write from."""

    __tablename__ = "contacts"

    id: Mapped[IntPk]
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=_public_id)
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
    kind: Mapped[str] = mapped_column(String(16), default="text")
    """text | media | empty. What people write is not kept: answers are stored as option
    keys, and free text (names, stories, "je suis en danger") is nobody's business here."""
    received_at: Mapped[Timestamp]


class ConsentRefusal(Base):
    """That someone said no, and to which consent text: nothing about who."""

    __tablename__ = "consent_refusals"

    id: Mapped[IntPk]
    consent_version: Mapped[str] = mapped_column(String(16))
    refused_at: Mapped[Timestamp]


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


class Partner(Base):
    """An organisation people are referred to: Red Cross, NGO, training centre,
    microfinance, public service. Its focal point is told of bookings."""

    __tablename__ = "partners"

    id: Mapped[IntPk]
    code: Mapped[str] = mapped_column(String(16), unique=True)
    """Short referral code (letters and digits), in links, QR codes and SMS."""
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(24))
    """red_cross | ngo | training_centre | microfinance | public_service"""
    focal_point: Mapped[str] = mapped_column(String(120), default="")
    focal_channel: Mapped[str] = mapped_column(String(16), default="none")
    """sms | whatsapp | email | none: how the focal point hears of bookings."""
    focal_address: Mapped[str] = mapped_column(String(255), default="")
    """The focal point's work phone (E.164) or e-mail address."""
    languages: Mapped[list[str]] = mapped_column(JSONType, default=list)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    """Fictitious, created by `orienta seed-demo`."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[Timestamp]


class Service(Base):
    """What a partner offers: a training, a job placement, credit, counselling..."""

    __tablename__ = "services"

    id: Mapped[IntPk]
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[dict[str, str]] = mapped_column(JSONType)
    """Language code → short title; French always present."""
    description: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    sectors: Mapped[list[str]] = mapped_column(JSONType, default=list)
    """Trades (interest keys) and needs (need keys) the service answers."""
    regions: Mapped[list[str]] = mapped_column(JSONType, default=list)
    prefectures: Mapped[list[str]] = mapped_column(JSONType, default=list)
    """Empty: every prefecture of its regions."""
    audience: Mapped[str] = mapped_column(String(16), default="everyone")
    """everyone | women | youth (under 35)"""
    cost_gnf: Mapped[int] = mapped_column(Integer, default=0)
    place: Mapped[str] = mapped_column(String(160), default="")
    hours: Mapped[str] = mapped_column(String(120), default="")
    """Opening hours, for a service taken on request (no slots)."""
    on_request: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[Timestamp]

    partner: Mapped[Partner] = relationship()


class Slot(Base):
    """A session of a service with a number of places."""

    __tablename__ = "slots"
    __table_args__ = (Index(None, "service_id", "starts_at"),)

    id: Mapped[IntPk]
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    starts_at: Mapped[Timestamp]
    ends_at: Mapped[Timestamp]
    place: Mapped[str] = mapped_column(String(160), default="")
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    """Places taken; only ever changed by one conditional UPDATE (no overbooking)."""
    created_at: Mapped[Timestamp]


class Booking(Base):
    """A person's place in a slot, or a request to a service taken on request."""

    __tablename__ = "bookings"

    id: Mapped[IntPk]
    code: Mapped[str] = mapped_column(String(12), unique=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), index=True
    )
    slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("slots.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    """booked | requested (no slot) | cancelled | attended | missed"""
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]


class ScheduledJob(Base):
    """Something to do at a given time: a reminder before a slot, the follow-up after
    it. Written by whichever process decides it; the worker's scheduler turns due rows
    into outbox rows, once (the key is unique, the row is marked done)."""

    __tablename__ = "scheduled_jobs"
    __table_args__ = (Index(None, "status", "due_at"),)

    id: Mapped[IntPk]
    key: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    """reminder | followup"""
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    due_at: Mapped[Timestamp]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    """pending | done | cancelled | expired (missed by more than the grace period) |
    failed (an error while handling it, logged; the other rows still go)"""
    created_at: Mapped[Timestamp]
    done_at: Mapped[MaybeTimestamp]


class Story(Base):
    """A success story told with the consent of the person featured, shown with the
    offers of its trade. Stories that break a trade's usual gender pattern come first."""

    __tablename__ = "stories"

    id: Mapped[IntPk]
    trade: Mapped[str] = mapped_column(String(32), index=True)
    """An interest key (e.g. "mechanics")."""
    gender: Mapped[str] = mapped_column(String(16))
    """woman | man: of the person featured."""
    region: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[dict[str, str]] = mapped_column(JSONType)
    """Language code → the story; French always present."""
    consent_recorded: Mapped[bool] = mapped_column(Boolean, default=False)
    """The person featured agreed, in writing or recorded, to be shown."""
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[Timestamp]


class ReferralArrival(Base):
    """Someone arrived with a partner's referral code: which partner, which channel,
    when. Nothing about who, so the counts outlive an erasure."""

    __tablename__ = "referral_arrivals"

    id: Mapped[IntPk]
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    arrived_at: Mapped[Timestamp]
