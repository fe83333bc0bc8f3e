"""Places in slots and requests to services taken on request: booking, moving and
cancelling, without ever overbooking. Functions take the caller's session; the caller
owns the transaction.

No overbooking: a place is taken by one conditional UPDATE
(`booked = booked + 1 WHERE booked < capacity`). On PostgreSQL two transactions taking
the last place at once serialise on the slot's row: the second sees the committed count
and takes nothing (then the person is offered the next slot). On SQLite writers take
turns anyway.

A test person of the admin's simulator (`Contact.test`) books as anyone does, and gets
a booking and its code, but takes no place: the slot's count is only read, never moved.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from bot.booking.geography import MIN_NOTICE
from bot.storage.models import Booking, Contact, Partner, Service, Slot

__all__ = [
    "ACTIVE",
    "MIN_NOTICE",
    "book_slot",
    "cancel_booking",
    "free_slots",
    "move_booking",
    "open_bookings",
    "request_service",
    "with_room",
]

ACTIVE = ("booked", "requested")
CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY34679"  # no 0/O, 1/I/L, 2/Z, 5/S, 8/B look-alikes
CODE_LENGTH = 6


def with_room(now: datetime, notice: timedelta = MIN_NOTICE) -> tuple[ColumnElement[bool], ...]:
    """A slot that can still be booked: starting at least `notice` from now (the time to
    travel there: bot/booking/geography.py), a place left, not closed in the admin."""
    return (
        Slot.starts_at >= now + max(notice, MIN_NOTICE),
        Slot.booked < Slot.capacity,
        Slot.closed_at.is_(None),
    )


def free_slots(
    session: Session,
    service_id: int,
    now: datetime,
    limit: int = 4,
    exclude: int | None = None,
    notice: timedelta = MIN_NOTICE,
) -> list[Slot]:
    """The next slots of a service with a free place starting at least `notice` from now,
    soonest first."""
    query = (
        select(Slot)
        .join(Service, Slot.service_id == Service.id)
        .join(Partner, Service.partner_id == Partner.id)
        .where(
            Slot.service_id == service_id,
            *with_room(now, notice),
            Service.active.is_(True),
            Partner.active.is_(True),
        )
        .order_by(Slot.starts_at, Slot.id)
        .limit(limit + 1)
    )
    return [s for s in session.scalars(query) if s.id != exclude][:limit]


def new_code(session: Session, rng: random.Random) -> str:
    """A short booking code, easy to read out and to type on a keypad."""
    while True:
        code = "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if session.scalars(select(Booking.id).where(Booking.code == code)).first() is None:
            return code


def _open_for_booking(session: Session, slot: Slot, now: datetime) -> bool:
    """Not too soon, not closed, and its service and partner still active (a list shown
    earlier may hold a slot closed or a service withdrawn since)."""
    service = session.get(Service, slot.service_id)
    return (
        slot.starts_at >= now + MIN_NOTICE
        and slot.closed_at is None
        and service is not None
        and service.active
        and service.partner.active
    )


def _take_place(session: Session, slot_id: int) -> bool:
    result = session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.booked < Slot.capacity, Slot.closed_at.is_(None))
        .values(booked=Slot.booked + 1)
        .execution_options(synchronize_session=False)
    )
    taken = getattr(result, "rowcount", 0) == 1
    if taken:
        session.expire_all()  # the slot's count changed under the ORM
    return taken


def _is_test(session: Session, contact_id: int) -> bool:
    return bool(session.scalar(select(Contact.test).where(Contact.id == contact_id)))


def _has_room(session: Session, slot_id: int) -> bool:
    """What `_take_place` checks, for a test person, who takes nothing."""
    room = select(Slot.id).where(
        Slot.id == slot_id, Slot.booked < Slot.capacity, Slot.closed_at.is_(None)
    )
    return session.scalar(room) is not None


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
    if not (_has_room(session, slot_id) if contact.test else _take_place(session, slot_id)):
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
    test = _is_test(session, booking.contact_id)
    if not (_has_room(session, slot_id) if test else _take_place(session, slot_id)):
        return False
    if not test and booking.slot_id is not None and booking.status == "booked":
        _release_place(session, booking.slot_id)
    booking.slot_id = slot_id
    booking.status = "booked"
    booking.updated_at = now
    return True


def cancel_booking(session: Session, booking: Booking, now: datetime) -> None:
    slot_id = booking.slot_id if booking.status == "booked" else None
    if slot_id is not None and not _is_test(session, booking.contact_id):
        _release_place(session, slot_id)
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
