"""The fictitious demo partners, their services and a few success stories, in all 8
regions (`orienta seed-demo`, bot/booking/demo.py). Every name says "(démo)"."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PARTNERS", "STORIES", "DemoPartner", "DemoService"]


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
