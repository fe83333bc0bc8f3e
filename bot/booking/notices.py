"""What partners are told: a new, moved or cancelled booking, and each evening the
list of the next day's bookings, by SMS or e-mail to their focal point, in French (the
partners' working language). Only the code, the service, the time and the person's
language go: the person shows the code when they come. Queued through the outbox's one
writer, outside quiet hours. The bookings of the admin's test people are told to nobody
(`policy.real_people`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.booking.offers import service_title, taken
from bot.i18n.languages import language_name
from bot.i18n.translate import M, translate
from bot.outbox.policy import real_people
from bot.outbox.writer import OutboxWriter
from bot.settings import Settings
from bot.storage.models import Booking, Contact, OutboxMessage, Partner, Service, Slot

__all__ = ["daily_lists", "notify_partner"]

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
NOTICES = {
    "booked": PARTNER_BOOKED,
    "requested": PARTNER_REQUESTED,
    "changed": PARTNER_CHANGED,
    "cancelled": PARTNER_CANCELLED,
}
DAILY_LIST = M("partner.daily", "Orienta — vos rendez-vous du {day} :\n{lines}")
DAILY_LINE = M("partner.daily_line", "{time} {code} {service}")


def notify_partner(
    session: Session,
    booking: Booking,
    event: str,
    settings: Settings,
    writer: OutboxWriter,
    now: datetime,
) -> None:
    """Tell the partner's focal point of a new ("booked", "requested"), moved ("changed")
    or cancelled ("cancelled") booking, if it can be reached (bot/outbox/policy.py); not
    a test person's."""
    service = session.get(Service, booking.service_id)
    if service is None:
        return
    partner = service.partner
    contact = session.get(Contact, booking.contact_id)
    if contact is not None and contact.test:
        return
    info = taken(session, booking, "fr", settings)
    text = translate(
        NOTICES[event],
        "fr",
        code=info.code,
        service=info.service,
        when=info.when or translate(PARTNER_NO_SLOT, "fr"),
        place=info.place,
        language=language_name((contact.language if contact else None) or "fr"),
    )
    count = session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.partner_id == partner.id,
            OutboxMessage.idempotency_key.like(f"partner:{booking.id}:%"),
        )
    )
    writer.to_partner(session, partner, f"partner:{booking.id}:{event}:{count}", text, now)


def daily_lists(
    session: Session, day: date, settings: Settings, writer: OutboxWriter, now: datetime
) -> int:
    """Each partner's list of the bookings of `day`, once (keyed by partner and day);
    how many lists were queued."""
    tz = settings.tz
    start = datetime.combine(day, datetime.min.time(), tz)
    end = start + timedelta(days=1)
    rows = session.execute(
        select(Booking, Slot, Service)
        .join(Slot, Booking.slot_id == Slot.id)
        .join(Service, Booking.service_id == Service.id)
        .join(Contact, Booking.contact_id == Contact.id)
        .where(
            Booking.status == "booked",
            Slot.starts_at >= start,
            Slot.starts_at < end,
            real_people(),
        )
        .order_by(Service.partner_id, Slot.starts_at, Booking.code)
    ).all()
    by_partner: dict[int, list[str]] = {}
    for booking, slot, service in rows:
        line = translate(
            DAILY_LINE,
            "fr",
            time=slot.starts_at.astimezone(tz).strftime("%H:%M"),
            code=booking.code,
            service=service_title(service, "fr"),
        )
        by_partner.setdefault(service.partner_id, []).append(line)
    queued = 0
    for partner_id, lines in by_partner.items():
        partner = session.get(Partner, partner_id)
        if partner is None:
            continue
        text = translate(DAILY_LIST, "fr", day=day.strftime("%d/%m"), lines="\n".join(lines))
        key = f"daily:{partner_id}:{day.isoformat()}"
        if writer.to_partner(session, partner, key, text, now, warn=False):  # every scan
            queued += 1
    return queued
