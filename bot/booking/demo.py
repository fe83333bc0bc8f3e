"""Demo data (`orienta seed-demo`, run by `make run`): fictitious partners, services and
slots in all 8 regions, and a few success stories, so that a newcomer's first
orientation ends with real proposals.

Everything is marked `demo` and named "(démo)"; the codes start with "D" and no focal
point has a number (demo partners are told nothing); the public numbers some partners
show are fictitious (+224 000…). Running it again keeps what exists
and only adds slots to services whose slots are all past. `--remove` deletes it all.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.booking.demo_data import PARTNERS
from bot.booking.demo_stories import STORIES
from bot.storage.models import Partner, Service, Slot, Story

__all__ = ["remove_demo", "seed_demo"]


SLOT_DAYS = (1, 3, 8, 10, 15)
"""Days after the seeding when each service has a session (moved off weekends)."""
SLOT_START = time(9, 0)
SLOT_HOURS = 3


def _slot_days(now: datetime, tz: ZoneInfo) -> list[datetime]:
    today = now.astimezone(tz).date()
    days = []
    for offset in SLOT_DAYS:
        day = today + timedelta(days=offset)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        start = datetime.combine(day, SLOT_START, tz)
        if start not in days:
            days.append(start)
    return days


def seed_demo(session: Session, now: datetime, tz: ZoneInfo) -> dict[str, int]:
    """Create what is missing of the demo data; counts of what was created."""
    created = {"partners": 0, "services": 0, "slots": 0, "stories": 0}
    for demo in PARTNERS:
        partner = session.scalars(select(Partner).where(Partner.code == demo.code)).first()
        if partner is None:
            partner = Partner(
                code=demo.code,
                name=demo.name,
                kind=demo.kind,
                focal_point="(démo)",
                focal_channel="none",
                focal_address="",
                languages=list(demo.languages),
                demo=True,
                created_at=now,
            )
            session.add(partner)
            session.flush()
            created["partners"] += 1
        if partner.public_phone is None:  # (demo rows seeded before partners had one)
            partner.public_phone = demo.public_phone
        existing = {
            s.title.get("fr"): s
            for s in session.scalars(select(Service).where(Service.partner_id == partner.id))
        }
        for item in demo.services:
            service = existing.get(item.title)
            if service is None:
                service = Service(
                    partner_id=partner.id,
                    title={"fr": item.title, "en": item.title_en},
                    description={},
                    sectors=list(item.sectors),
                    regions=[demo.region],
                    prefectures=list(item.prefectures),
                    audience=item.audience,
                    cost_gnf=item.cost_gnf,
                    prefecture=demo.prefecture,
                    place=demo.place,
                    hours=item.hours,
                    on_request=item.on_request,
                    created_at=now,
                )
                session.add(service)
                session.flush()
                created["services"] += 1
            if service.prefecture is None:  # (seeded before services knew where they are)
                service.prefecture = demo.prefecture
            if service.on_request:
                continue
            upcoming = select(Slot.id).where(Slot.service_id == service.id, Slot.starts_at > now)
            if session.scalars(upcoming).first() is not None:
                continue
            for start in _slot_days(now, tz):
                session.add(
                    Slot(
                        service_id=service.id,
                        starts_at=start,
                        ends_at=start + timedelta(hours=SLOT_HOURS),
                        place=demo.place,
                        capacity=item.capacity,
                        booked=0,
                        created_at=now,
                    )
                )
                created["slots"] += 1
    if session.scalars(select(Story.id).where(Story.demo.is_(True))).first() is None:
        for trade, gender, region, text in STORIES:
            session.add(
                Story(
                    trade=trade,
                    gender=gender,
                    region=region,
                    text={"fr": text},
                    consent_recorded=True,
                    published=True,
                    demo=True,
                    created_at=now,
                )
            )
            created["stories"] += 1
    return created


def remove_demo(session: Session) -> int:
    """Delete the demo partners (with their services, slots and bookings) and stories."""
    removed = session.execute(delete(Partner).where(Partner.demo.is_(True))).rowcount  # type: ignore[attr-defined]
    session.execute(delete(Story).where(Story.demo.is_(True)))
    return int(removed or 0)
