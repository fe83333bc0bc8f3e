"""Demo data (`orienta seed-demo`, run by `make run`): fictitious partners, services and
slots in all 8 regions, and a few success stories, so that a newcomer's first
orientation ends with real proposals.

Everything is marked `demo` and named "(démo)"; the codes start with "D" and no focal
point has a number (demo partners are told nothing). Running it again keeps what exists
and only adds slots to services whose slots are all past. `--remove` deletes it all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.storage.models import Partner, Service, Slot, Story

__all__ = ["remove_demo", "seed_demo"]


@dataclass(frozen=True)
class DemoService:
    title: str
    title_en: str
    sectors: tuple[str, ...]
    prefectures: tuple[str, ...] = ()
    audience: str = "everyone"
    cost_gnf: int = 0
    on_request: bool = False
    hours: str = ""
    capacity: int = 12


@dataclass(frozen=True)
class DemoPartner:
    code: str
    name: str
    kind: str
    region: str
    place: str
    languages: tuple[str, ...]
    services: tuple[DemoService, ...]


PARTNERS: tuple[DemoPartner, ...] = (
    DemoPartner(
        "DCKY1",
        "Croix-Rouge, comité de Matoto (démo)",
        "red_cross",
        "conakry",
        "Matoto, siège du comité",
        ("fr", "sus", "ff", "emk"),
        (
            DemoService(
                "Écoute et soutien psychosocial",
                "Listening and psychosocial support",
                ("psychosocial", "health"),
                on_request=True,
                hours="lun-ven 9h-16h",
            ),
            DemoService(
                "Aide pour les papiers d'identité",
                "Help with identity papers",
                ("documents", "legal"),
                on_request=True,
                hours="mar et jeu 9h-13h",
            ),
        ),
    ),
    DemoPartner(
        "DCKY2",
        "Centre de formation de Ratoma (démo)",
        "training_centre",
        "conakry",
        "Ratoma, Hamdallaye",
        ("fr", "sus", "ff", "en"),
        (
            DemoService(
                "Installation de panneaux solaires",
                "Solar panel installation",
                ("solar", "training", "job"),
                capacity=10,
            ),
            DemoService(
                "Réparation de téléphones", "Phone repair", ("phone_it", "training"), capacity=8
            ),
            DemoService(
                "Couture et stylisme",
                "Tailoring and design",
                ("tailoring", "training", "activity"),
                capacity=10,
            ),
            DemoService(
                "Mécanique moto",
                "Motorbike mechanics",
                ("mechanics", "training", "job"),
                capacity=10,
            ),
        ),
    ),
    DemoPartner(
        "DCKY3",
        "Microfinance Kaloum (démo)",
        "microfinance",
        "conakry",
        "Kaloum, avenue de la République",
        ("fr", "sus"),
        (
            DemoService(
                "Crédit solidaire pour les femmes",
                "Group credit for women",
                ("credit", "activity", "trade", "food_processing", "beauty"),
                audience="women",
            ),
            DemoService(
                "Ouvrir un compte d'épargne",
                "Opening a savings account",
                ("credit", "activity", "trade"),
            ),
        ),
    ),
    DemoPartner(
        "DCKY4",
        "ONG Conakry Propre (démo)",
        "ngo",
        "conakry",
        "Dixinn, marché",
        ("fr", "sus"),
        (
            DemoService(
                "Recyclage du plastique : travail rémunéré",
                "Plastic recycling: paid work",
                ("recycling", "job"),
            ),
        ),
    ),
    DemoPartner(
        "DBOK1",
        "ONG Mangrove Vivante (démo)",
        "ngo",
        "boke",
        "Boffa, centre des pêcheurs",
        ("fr", "sus"),
        (
            DemoService(
                "Fours améliorés pour fumer le poisson",
                "Improved fish-smoking ovens",
                ("fishing", "food_processing", "activity"),
                prefectures=("boffa", "boke"),
            ),
            DemoService(
                "Pisciculture et mangrove",
                "Fish farming and mangroves",
                ("aquaculture", "fishing", "ecotourism", "training"),
            ),
        ),
    ),
    DemoPartner(
        "DBOK2",
        "Caisse villageoise de Boké (démo)",
        "microfinance",
        "boke",
        "Boké, grand marché",
        ("fr", "sus", "ff"),
        (
            DemoService(
                "Épargne et petit crédit",
                "Savings and small loans",
                ("credit", "activity", "trade", "fishing"),
            ),
        ),
    ),
    DemoPartner(
        "DKIN1",
        "Centre agricole de Kindia (démo)",
        "training_centre",
        "kindia",
        "Kindia, route de Friguiagbé",
        ("fr", "sus", "ff"),
        (
            DemoService(
                "Maraîchage et agroécologie",
                "Market gardening and agroecology",
                ("market_gardening", "agroforestry", "training"),
            ),
            DemoService(
                "Transformation des fruits (jus, confiture)",
                "Fruit processing (juice, jam)",
                ("food_processing", "activity", "training"),
            ),
        ),
    ),
    DemoPartner(
        "DMAM1",
        "ONG Fouta Vert (démo)",
        "ngo",
        "mamou",
        "Dalaba, maison des associations",
        ("fr", "ff"),
        (
            DemoService(
                "Apiculture : produire du miel",
                "Beekeeping: producing honey",
                ("beekeeping", "agroforestry", "activity"),
            ),
            DemoService(
                "Pépinières et reboisement (travail rémunéré)",
                "Tree nurseries (paid work)",
                ("agroforestry", "job", "market_gardening"),
            ),
        ),
    ),
    DemoPartner(
        "DLAB1",
        "Centre de formation de Labé (démo)",
        "training_centre",
        "labe",
        "Labé, quartier Tata",
        ("fr", "ff"),
        (
            DemoService("Énergie solaire", "Solar energy", ("solar", "training"), capacity=8),
            DemoService(
                "Maçonnerie et construction en terre",
                "Masonry and earth building",
                ("building", "training", "job"),
            ),
            DemoService("Couture", "Tailoring", ("tailoring", "training"), capacity=8),
        ),
    ),
    DemoPartner(
        "DLAB2",
        "Maison des jeunes de Labé (démo)",
        "public_service",
        "labe",
        "Labé, maison des jeunes",
        ("fr", "ff"),
        (
            DemoService(
                "Recherche d'emploi pour les jeunes",
                "Job search for young people",
                ("job", "trade", "phone_it"),
                audience="youth",
            ),
        ),
    ),
    DemoPartner(
        "DFAR1",
        "ONG Source du Niger (démo)",
        "ngo",
        "faranah",
        "Faranah, bord du fleuve",
        ("fr", "emk"),
        (
            DemoService(
                "Pisciculture en étang",
                "Pond fish farming",
                ("aquaculture", "fishing", "activity"),
            ),
            DemoService(
                "Agroforesterie", "Agroforestry", ("agroforestry", "market_gardening", "job")
            ),
        ),
    ),
    DemoPartner(
        "DKAN1",
        "Centre des métiers de Kankan (démo)",
        "training_centre",
        "kankan",
        "Kankan, Bordo",
        ("fr", "emk"),
        (
            DemoService(
                "Mécanique auto et moto",
                "Car and motorbike mechanics",
                ("mechanics", "training", "job"),
            ),
            DemoService(
                "Installation solaire", "Solar installation", ("solar", "building", "training")
            ),
            DemoService(
                "Réparation de téléphones et informatique",
                "Phone and computer repair",
                ("phone_it", "training"),
            ),
        ),
    ),
    DemoPartner(
        "DKAN2",
        "Microfinance Haute-Guinée (démo)",
        "microfinance",
        "kankan",
        "Kankan, grand marché",
        ("fr", "emk"),
        (
            DemoService(
                "Créer son activité : formation et crédit",
                "Start a business: training and credit",
                ("activity", "credit", "trade"),
                cost_gnf=50000,
            ),
        ),
    ),
    DemoPartner(
        "DNZE1",
        "ONG Forêt Vivante (démo)",
        "ngo",
        "nzerekore",
        "Nzérékoré, quartier Commercial",
        ("fr", "en"),
        (
            DemoService(
                "Apiculture et agroforesterie",
                "Beekeeping and agroforestry",
                ("beekeeping", "agroforestry", "training"),
            ),
            DemoService(
                "Écotourisme : guide en forêt",
                "Ecotourism: forest guide",
                ("ecotourism", "job"),
            ),
        ),
    ),
    DemoPartner(
        "DNZE2",
        "Croix-Rouge, comité de Nzérékoré (démo)",
        "red_cross",
        "nzerekore",
        "Nzérékoré, siège du comité",
        ("fr", "en"),
        (
            DemoService(
                "Soutien psychosocial et santé",
                "Psychosocial support and health",
                ("psychosocial", "health", "legal", "housing"),
                on_request=True,
                hours="lun-ven 8h-16h",
            ),
        ),
    ),
)

# Fictitious people: a first name only, nothing that identifies anyone.
STORIES: tuple[tuple[str, str, str, str], ...] = (
    (
        "mechanics",
        "woman",
        "kankan",
        "Fatou (démo), 27 ans, répare des motos à Kankan après 6 mois de formation. Elle "
        "forme aujourd'hui deux apprenties.",
    ),
    (
        "tailoring",
        "man",
        "conakry",
        "Ibrahima (démo) a ouvert son atelier de couture à Matoto ; il habille les mariages "
        "du quartier.",
    ),
    (
        "solar",
        "woman",
        "labe",
        "Aïssatou (démo) installe des panneaux solaires dans les villages autour de Labé.",
    ),
    (
        "fishing",
        "woman",
        "boke",
        "Mariama (démo) fume le poisson avec un four amélioré à Boffa : moins de bois, plus "
        "de revenus.",
    ),
    (
        "food_processing",
        "man",
        "kindia",
        "Mamadou (démo) fait des jus et des confitures de mangue à Kindia, avec deux associés.",
    ),
    (
        "building",
        "woman",
        "nzerekore",
        "Kadiatou (démo) est maçonne à Nzérékoré : elle construit des maisons en terre.",
    ),
    (
        "beekeeping",
        "woman",
        "mamou",
        "Hawa (démo) produit du miel à Dalaba avec un groupement de femmes.",
    ),
)

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
                    place=demo.place,
                    hours=item.hours,
                    on_request=item.on_request,
                    created_at=now,
                )
                session.add(service)
                session.flush()
                created["services"] += 1
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
