"""What a person is offered and how it reads: their profile as matching sees it, the
services and stories on offer, and a service's or booking's text in their language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

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
    "profile_of",
    "service_title",
    "services_by_id",
    "slot_text",
    "taken",
]

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


def load_offers(session: Session, now: datetime) -> list[Offer]:
    """Every active service of an active partner, as matching sees it."""
    with_places = set(session.scalars(select(Slot.service_id).where(*with_room(now))))
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


def slot_text(slot: Slot, service: Service, lang: str, settings: Settings) -> str:
    return f"{format_datetime(slot.starts_at, lang, settings.tz)}, {slot.place or service.place}"


def taken(session: Session, booking: Booking, lang: str, settings: Settings) -> Taken:
    service = session.get(Service, booking.service_id)
    assert service is not None
    slot = session.get(Slot, booking.slot_id) if booking.slot_id else None
    when = format_datetime(slot.starts_at, lang, settings.tz) if slot else service.hours
    place = (slot.place if slot else "") or service.place
    return Taken(booking.code, service_title(service, lang), service.partner.name, when, place)


def services_by_id(session: Session, ids: Sequence[int]) -> dict[int, Service]:
    if not ids:
        return {}
    return {s.id: s for s in session.scalars(select(Service).where(Service.id.in_(list(ids))))}
