"""Partners, what they offer and when, the people booked with them, success stories,
the anonymous count of referral arrivals, and the rows of what must happen later."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.storage.models.base import Base, IntPk, JSONType, MaybeTimestamp, Timestamp


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
    public_phone: Mapped[str | None] = mapped_column(String(32))
    """A number the public may call, as it is shown to people booked (the focal point's
    address is never shown); None: people are given no number."""
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
    prefecture: Mapped[str | None] = mapped_column(String(32))
    """Where it takes place: a prefecture (Conakry: a commune) key of bot/flows/geo.py.
    None: unknown, so never said to be near anyone (bot/booking/geography.py)."""
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
    closed_at: Mapped[MaybeTimestamp]
    """Closed by staff or the partner in the admin: offered to nobody from then on."""


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
