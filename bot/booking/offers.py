"""What a person is offered and how it reads: their profile as matching sees it, the
services and stories on offer, and a service's or booking's text in their language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.booking.geography import distance, lead_time
from bot.booking.matching import Offer, Profile, StoryInfo
from bot.booking.places import with_room
from bot.i18n.formatting import format_datetime, format_number
from bot.i18n.translate import M, translate
from bot.settings import Settings
from bot.storage.models import Booking, Contact, Partner, Service, Slot, Story
from bot.types import Answers

__all__ = [
    "Taken",
    "cost_text",
    "load_offers",
    "load_stories",
    "localized",
    "notice_for",
    "profile_of",
    "service_title",
    "services_by_id",
    "slot_text",
    "taken",
]

FREE = M("service.free", "gratuit")
COST = M("service.cost", "{amount} GNF")
REACH = M("booking.reach", "{partner}, tél. {phone}")


@dataclass(frozen=True)
class Taken:
    """What a person sees of a booking."""

    code: str
    service: str
    partner: str
    when: str
    place: str
    reach: str = ""
    """The partner, with its public number when it has one."""
    has_slot: bool = True
    """A place in a slot (`when` is its date); else a request (`when`: opening hours)."""

    def params(self) -> tuple[tuple[str, str], ...]:
        """As message placeholders (`{hours}`: a request's opening hours)."""
        return (
            ("code", self.code),
            ("service", self.service),
            ("partner", self.partner),
            ("reach", self.reach or self.partner),
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


def notice_for(profile: Profile, service: Service, settings: Settings) -> timedelta:
    """How soon a slot of `service` may start to be offered to this person: time to
    travel when it is in another prefecture or region."""
    where = distance(profile.region, profile.prefecture, service.prefecture, service.regions)
    return lead_time(where, settings)


def load_offers(
    session: Session, now: datetime, profile: Profile, settings: Settings
) -> list[Offer]:
    """Every active service of an active partner, as matching sees it for `profile`
    (bookable: a free place in a slot far enough ahead for them to get there)."""
    latest = (
        select(Slot.service_id, func.max(Slot.starts_at))
        .where(*with_room(now))
        .group_by(Slot.service_id)
    )
    last_free = {service_id: starts_at for service_id, starts_at in session.execute(latest)}
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
            prefecture=service.prefecture,
            audience=service.audience,
            languages=frozenset(partner.languages),
            bookable=service.on_request or _reachable(last_free.get(service.id), now, notice),
        )
        for service, partner in rows
        for notice in (notice_for(profile, service, settings),)
    ]


def _reachable(last_free: datetime | None, now: datetime, notice: timedelta) -> bool:
    # SQLite gives back naive UTC datetimes from an aggregate (no column type to apply).
    if last_free is not None and last_free.tzinfo is None:
        last_free = last_free.replace(tzinfo=now.tzinfo)
    return last_free is not None and last_free >= now + notice


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


def slot_text(slot: Slot, service: Service, lang: str, settings: Settings) -> str:
    return f"{format_datetime(slot.starts_at, lang, settings.tz)}, {slot.place or service.place}"


def taken(session: Session, booking: Booking, lang: str, settings: Settings) -> Taken:
    service = session.get(Service, booking.service_id)
    assert service is not None
    slot = session.get(Slot, booking.slot_id) if booking.slot_id else None
    when = format_datetime(slot.starts_at, lang, settings.tz) if slot else service.hours
    place = (slot.place if slot else "") or service.place
    partner = service.partner
    reach = (
        translate(REACH, lang, partner=partner.name, phone=partner.public_phone)
        if partner.public_phone
        else partner.name
    )
    return Taken(
        booking.code,
        service_title(service, lang),
        partner.name,
        when,
        place,
        reach=reach,
        has_slot=slot is not None,
    )


def services_by_id(session: Session, ids: Sequence[int]) -> dict[int, Service]:
    if not ids:
        return {}
    return {s.id: s for s in session.scalars(select(Service).where(Service.id.in_(list(ids))))}
