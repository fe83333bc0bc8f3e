"""The fictitious demo partners and their services, in all 8 regions (`orienta
seed-demo`, bot/booking/demo.py; the stories are in demo_stories.py). Every name says
"(démo)"; every phone number starts +224 000, which is assigned to nobody."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PARTNERS", "DemoPartner", "DemoService"]


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
    prefecture: str
    """Where it is (a key of bot/flows/geo.py), as its place says."""
    place: str
    languages: tuple[str, ...]
    services: tuple[DemoService, ...]
    public_phone: str | None = None
    """Fictitious: +224 000… is assigned to nobody."""


PARTNERS: tuple[DemoPartner, ...] = (
    DemoPartner(
        "DCKY1",
        "Croix-Rouge, comité de Matoto (démo)",
        "red_cross",
        "conakry",
        "matoto",
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
        public_phone="+224 000 00 00 11",
    ),
    DemoPartner(
        "DCKY2",
        "Centre de formation de Ratoma (démo)",
        "training_centre",
        "conakry",
        "ratoma",
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
        public_phone="+224 000 00 00 12",
    ),
    DemoPartner(
        "DCKY3",
        "Microfinance Kaloum (démo)",
        "microfinance",
        "conakry",
        "kaloum",
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
        "dixinn",
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
        "boffa",
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
        public_phone="+224 000 00 00 22",
    ),
    DemoPartner(
        "DKIN1",
        "Centre agricole de Kindia (démo)",
        "training_centre",
        "kindia",
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
        public_phone="+224 000 00 00 31",
    ),
    DemoPartner(
        "DMAM1",
        "ONG Fouta Vert (démo)",
        "ngo",
        "mamou",
        "dalaba",
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
        public_phone="+224 000 00 00 51",
    ),
    DemoPartner(
        "DLAB2",
        "Maison des jeunes de Labé (démo)",
        "public_service",
        "labe",
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
        public_phone="+224 000 00 00 71",
    ),
    DemoPartner(
        "DKAN2",
        "Microfinance Haute-Guinée (démo)",
        "microfinance",
        "kankan",
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
        public_phone="+224 000 00 00 82",
    ),
)
