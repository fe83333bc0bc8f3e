"""Guinea's 8 regions and their prefectures (Conakry: its communes), as flow options.

Keys are stable ASCII identifiers stored in answers. Region names are translatable
messages (a script such as Adlam may write them differently); prefecture names are
plain strings, shown as written here in every language.
"""

from __future__ import annotations

from bot.flows.model import Option
from bot.i18n.translate import M
from bot.types import Answers

__all__ = ["PREFECTURES", "REGIONS", "prefecture_options"]

REGIONS: tuple[Option, ...] = (
    Option("conakry", M("region.conakry", "Conakry")),
    Option("boke", M("region.boke", "Boké")),
    Option("kindia", M("region.kindia", "Kindia")),
    Option("mamou", M("region.mamou", "Mamou")),
    Option("labe", M("region.labe", "Labé")),
    Option("faranah", M("region.faranah", "Faranah")),
    Option("kankan", M("region.kankan", "Kankan")),
    Option("nzerekore", M("region.nzerekore", "Nzérékoré"), synonyms=("nzerekore", "n zerekore")),
)

# Region key → (prefecture key, name). Names are proper nouns: shown as written here.
PREFECTURES: dict[str, tuple[tuple[str, str], ...]] = {
    "conakry": (
        ("kaloum", "Kaloum"),
        ("dixinn", "Dixinn"),
        ("matam", "Matam"),
        ("ratoma", "Ratoma"),
        ("matoto", "Matoto"),
    ),
    "boke": (
        ("boffa", "Boffa"),
        ("boke", "Boké"),
        ("fria", "Fria"),
        ("gaoual", "Gaoual"),
        ("koundara", "Koundara"),
    ),
    "kindia": (
        ("coyah", "Coyah"),
        ("dubreka", "Dubréka"),
        ("forecariah", "Forécariah"),
        ("kindia", "Kindia"),
        ("telimele", "Télimélé"),
    ),
    "mamou": (("dalaba", "Dalaba"), ("mamou", "Mamou"), ("pita", "Pita")),
    "labe": (
        ("koubia", "Koubia"),
        ("labe", "Labé"),
        ("lelouma", "Lélouma"),
        ("mali", "Mali"),
        ("tougue", "Tougué"),
    ),
    "faranah": (
        ("dabola", "Dabola"),
        ("dinguiraye", "Dinguiraye"),
        ("faranah", "Faranah"),
        ("kissidougou", "Kissidougou"),
    ),
    "kankan": (
        ("kankan", "Kankan"),
        ("kerouane", "Kérouané"),
        ("kouroussa", "Kouroussa"),
        ("mandiana", "Mandiana"),
        ("siguiri", "Siguiri"),
    ),
    "nzerekore": (
        ("beyla", "Beyla"),
        ("gueckedou", "Guéckédou"),
        ("lola", "Lola"),
        ("macenta", "Macenta"),
        ("nzerekore", "Nzérékoré"),
        ("yomou", "Yomou"),
    ),
}

_PREFECTURE_OPTIONS = {
    region: tuple(Option(key, name) for key, name in items) for region, items in PREFECTURES.items()
}


def prefecture_options(answers: Answers) -> tuple[Option, ...]:
    region = answers.get("region")
    return _PREFECTURE_OPTIONS.get(region, ()) if isinstance(region, str) else ()
