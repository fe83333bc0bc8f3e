"""The fictitious success stories of the demo data (`orienta seed-demo`,
bot/booking/demo.py): (trade, gender, region, text). Every name says "(démo)"."""

from __future__ import annotations

__all__ = ["STORIES"]

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
