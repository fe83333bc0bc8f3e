"""Booking: places in slots, requests to services taken on request, and what partners
are told. Functions take the caller's session; the caller owns the transaction.

No overbooking: a place is taken by one conditional UPDATE
(`booked = booked + 1 WHERE booked < capacity`). On PostgreSQL two transactions taking
the last place at once serialise on the slot's row: the second sees the committed count
and takes nothing (then the person is offered the next slot). On SQLite writers take
turns anyway.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from bot.formatting import format_datetime, format_number
from bot.i18n import LANGUAGES, M, translate
from bot.matching import Offer, Profile, StoryInfo
from bot.scheduling import next_allowed
from bot.settings import Settings
from bot.storage.models import (
    Booking,
    Contact,
    OutboxMessage,
    Partner,
    Service,
    Slot,
    Story,
)
from bot.types import Answers

__all__ = [
    "ACTIVE",
    "book_slot",
    "cancel_booking",
    "free_slots",
    "load_offers",
    "load_stories",
    "move_booking",
    "notify_partner",
    "open_bookings",
    "profile_of",
    "request_service",
    "service_title",
    "slot_text",
]

log = logging.getLogger(__name__)

ACTIVE = ("booked", "requested")
CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY34679"  # no 0/O, 1/I/L, 2/Z, 5/S, 8/B look-alikes
CODE_LENGTH = 6
MIN_NOTICE = timedelta(hours=2)
"""A slot starting sooner than this is not offered any more."""

PARTNER_BOOKED = M(
    "partner.booked",
    "Orienta : nouvelle réservation {code} — {service}, {when}, {place}. "
    "Langue de la personne : {language}.",
)
PARTNER_REQUESTED = M(
    "partner.requested",
    "Orienta : nouvelle demande {code} — {service}. La personne viendra avec ce code. "
    "Langue de la personne : {language}.",
)
PARTNER_CHANGED = M(
    "partner.changed",
    "Orienta : la réservation {code} change de créneau — {service}, maintenant {when}, {place}.",
)
PARTNER_CANCELLED = M(
    "partner.cancelled", "Orienta : la réservation {code} est annulée — {service}, {when}."
)
PARTNER_NO_SLOT = M("partner.no_slot", "sans créneau")
FREE = M("service.free", "gratuit")
COST = M("service.cost", "{amount} GNF")


@dataclass(frozen=True)
class Taken:
    """What a person sees of a booking."""

    code: str
    service: str
    partner: str
    when: str
    place: str

    def params(self) -> tuple[tuple[str, str], ...]:
        """As message placeholders (`{hours}`: a request's opening hours)."""
        return (
            ("code", self.code),
            ("service", self.service),
            ("partner", self.partner),
            ("when", self.when),
            ("hours", self.when),
            ("place", self.place),
        )


def profile_of(answers: Answers, contact: Contact) -> Profile:
    def one(name: str) -> str | None:
        value = answers.get(name)
        return value if isinstance(value, str) else None

    def many(name: str) -> tuple[str, ...]:
        value = answers.get(name)
        return tuple(value) if isinstance(value, list) else ()

    return Profile(
        region=one("region"),
        prefecture=one("prefecture"),
        gender=one("gender"),
        age_band=one("age_band"),
        needs=many("needs"),
        interests=many("interests"),
        language=contact.language or "fr",
        referred_by=contact.referred_by_partner_id,
    )


def _with_room(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """A slot that can still be booked: not too soon, a place left."""
    return (Slot.starts_at >= now + MIN_NOTICE, Slot.booked < Slot.capacity)


def load_offers(session: Session, now: datetime) -> list[Offer]:
    """Every active service of an active partner, as matching sees it."""
    with_places = set(session.scalars(select(Slot.service_id).where(*_with_room(now))))
    rows = session.execute(
        select(Service, Partner)
        .join(Partner, Service.partner_id == Partner.id)
        .where(Service.active.is_(True), Partner.active.is_(True))
        .order_by(Service.id)
    )
    return [
        Offer(
            service_id=service.id,
            partner_id=partner.id,
            sectors=frozenset(service.sectors),
            regions=frozenset(service.regions),
            prefectures=frozenset(service.prefectures),
            audience=service.audience,
            languages=frozenset(partner.languages),
            bookable=service.on_request or service.id in with_places,
        )
        for service, partner in rows
    ]


def load_stories(session: Session) -> list[StoryInfo]:
    """Stories that may be shown: published, with the consent of the person featured."""
    rows = session.scalars(
        select(Story).where(Story.published.is_(True), Story.consent_recorded.is_(True))
    )
    return [StoryInfo(s.id, s.trade, s.gender, s.region) for s in rows]


def localized(texts: dict[str, str], lang: str) -> str:
    return texts.get(lang) or texts.get("fr") or next(iter(texts.values()), "")


def service_title(service: Service, lang: str) -> str:
    return localized(service.title, lang)


def cost_text(service: Service, lang: str) -> str:
    if not service.cost_gnf:
        return translate(FREE, lang)
    return translate(COST, lang, amount=format_number(service.cost_gnf, lang))


def free_slots(
    session: Session, service_id: int, now: datetime, limit: int = 4, exclude: int | None = None
) -> list[Slot]:
    """The next slots of a service with a free place, soonest first."""
    query = (
        select(Slot)
        .join(Service, Slot.service_id == Service.id)
        .join(Partner, Service.partner_id == Partner.id)
        .where(
            Slot.service_id == service_id,
            *_with_room(now),
            Service.active.is_(True),
            Partner.active.is_(True),
        )
        .order_by(Slot.starts_at, Slot.id)
        .limit(limit + 1)
    )
    return [s for s in session.scalars(query) if s.id != exclude][:limit]


def slot_text(slot: Slot, service: Service, lang: str, settings: Settings) -> str:
    return f"{format_datetime(slot.starts_at, lang, settings.tz)}, {slot.place or service.place}"


def new_code(session: Session, rng: random.Random) -> str:
    """A short booking code, easy to read out and to type on a keypad."""
    while True:
        code = "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if session.scalars(select(Booking.id).where(Booking.code == code)).first() is None:
            return code


def _open_for_booking(session: Session, slot: Slot, now: datetime) -> bool:
    """Not too soon, and its service and partner still active (a list shown earlier may
    hold a slot of a service withdrawn since)."""
    service = session.get(Service, slot.service_id)
    return (
        slot.starts_at >= now + MIN_NOTICE
        and service is not None
        and service.active
        and service.partner.active
    )


def _take_place(session: Session, slot_id: int) -> bool:
    result = session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.booked < Slot.capacity)
        .values(booked=Slot.booked + 1)
        .execution_options(synchronize_session=False)
    )
    taken = getattr(result, "rowcount", 0) == 1
    if taken:
        session.expire_all()  # the slot's count changed under the ORM
    return taken


def _release_place(session: Session, slot_id: int) -> None:
    session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.booked > 0)
        .values(booked=Slot.booked - 1)
        .execution_options(synchronize_session=False)
    )


def _new_booking(
    session: Session,
    contact: Contact,
    service_id: int,
    slot_id: int | None,
    now: datetime,
    rng: random.Random,
) -> Booking:
    booking = Booking(
        code=new_code(session, rng),
        contact_id=contact.id,
        service_id=service_id,
        slot_id=slot_id,
        status="booked" if slot_id is not None else "requested",
        created_at=now,
        updated_at=now,
    )
    session.add(booking)
    session.flush()
    return booking


def book_slot(
    session: Session, contact: Contact, slot_id: int, now: datetime, rng: random.Random
) -> Booking | None:
    """A place in `slot_id` for `contact`, or None when it was just taken (or is gone)."""
    slot = session.get(Slot, slot_id)
    if slot is None or not _open_for_booking(session, slot, now):
        return None
    if not _take_place(session, slot_id):
        return None
    return _new_booking(session, contact, slot.service_id, slot_id, now, rng)


def request_service(
    session: Session, contact: Contact, service: Service, now: datetime, rng: random.Random
) -> Booking:
    """A referral to a service taken on request (no slot)."""
    return _new_booking(session, contact, service.id, None, now, rng)


def move_booking(session: Session, booking: Booking, slot_id: int, now: datetime) -> bool:
    """Move `booking` to `slot_id`: the new place is taken before the old one is freed."""
    slot = session.get(Slot, slot_id)
    if slot is None or slot.service_id != booking.service_id:
        return False
    if not _open_for_booking(session, slot, now):
        return False
    if not _take_place(session, slot_id):
        return False
    if booking.slot_id is not None and booking.status == "booked":
        _release_place(session, booking.slot_id)
    booking.slot_id = slot_id
    booking.status = "booked"
    booking.updated_at = now
    return True


def cancel_booking(session: Session, booking: Booking, now: datetime) -> None:
    if booking.status == "booked" and booking.slot_id is not None:
        _release_place(session, booking.slot_id)
    booking.status = "cancelled"
    booking.updated_at = now


def open_bookings(session: Session, contact_id: int, now: datetime) -> list[Booking]:
    """The person's bookings still to come (or requests still open), the latest first."""
    query = (
        select(Booking)
        .outerjoin(Slot, Booking.slot_id == Slot.id)
        .where(
            Booking.contact_id == contact_id,
            Booking.status.in_(ACTIVE),
            (Slot.id.is_(None)) | (Slot.ends_at > now),
        )
        .order_by(Booking.id.desc())
    )
    return list(session.scalars(query))


def taken(session: Session, booking: Booking, lang: str, settings: Settings) -> Taken:
    service = session.get(Service, booking.service_id)
    assert service is not None
    slot = session.get(Slot, booking.slot_id) if booking.slot_id else None
    when = format_datetime(slot.starts_at, lang, settings.tz) if slot else service.hours
    place = (slot.place if slot else "") or service.place
    return Taken(booking.code, service_title(service, lang), service.partner.name, when, place)


def notify_partner(
    session: Session, booking: Booking, event: str, settings: Settings, now: datetime
) -> None:
    """Tell the partner's focal point of a new, moved or cancelled booking (in French,
    the partners' working language): an outbox row by SMS, or by e-mail when SMTP is
    configured. Only the code, the service, the time and the person's language go:
    the person shows the code when they come."""
    service = session.get(Service, booking.service_id)
    if service is None:
        return
    partner = service.partner
    channel = partner.focal_channel
    if channel not in ("sms", "email") or not partner.focal_address or not partner.active:
        return
    if channel == "email" and not settings.smtp_host:
        log.warning("partner %s wants e-mail but SMTP is not configured", partner.code)
        return
    contact = session.get(Contact, booking.contact_id)
    language = LANGUAGES.get((contact.language if contact else None) or "fr", "Français")
    info = taken(session, booking, "fr", settings)
    msg = {
        "booked": PARTNER_BOOKED,
        "requested": PARTNER_REQUESTED,
        "changed": PARTNER_CHANGED,
        "cancelled": PARTNER_CANCELLED,
    }[event]
    when = info.when or translate(PARTNER_NO_SLOT, "fr")
    text = translate(
        msg,
        "fr",
        code=info.code,
        service=info.service,
        when=when,
        place=info.place,
        language=language,
    )
    count = session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.partner_id == partner.id,
            OutboxMessage.idempotency_key.like(f"partner:{booking.id}:%"),
        )
    )
    key = f"partner:{booking.id}:{event}:{count}"
    enqueue_to_partner(session, partner, key, text, now, settings)


def enqueue_to_partner(
    session: Session, partner: Partner, key: str, text: str, now: datetime, settings: Settings
) -> None:
    """Queue a message to the focal point, outside quiet hours (a work phone too)."""
    due = next_allowed(now, settings)
    session.add(
        OutboxMessage(
            idempotency_key=key,
            partner_id=partner.id,
            channel=partner.focal_channel,
            payload={"text": text, "language": "fr", "subject": text.split(" — ")[0]},
            status="queued",
            due_at=due,
            created_at=now,
            updated_at=now,
        )
    )


def services_by_id(session: Session, ids: Sequence[int]) -> dict[int, Service]:
    if not ids:
        return {}
    return {s.id: s for s in session.scalars(select(Service).where(Service.id.in_(list(ids))))}
