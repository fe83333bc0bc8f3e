"""Guinea's 8 regions and their prefectures (Conakry: its communes), as flow options, and
the places people name instead: towns, sub-prefecture seats, Conakry's neighbourhoods,
the country's natural regions ("le Fouta"), however they are spelt.

Keys are stable ASCII identifiers stored in answers. Region names are translatable
messages (a script such as Adlam may write them differently); prefecture names are
plain strings, shown as written here in every language. Misspellings ("conakri",
"kisidougou") are found by rapidfuzz's ratio.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from bot.flows.model import Option
from bot.flows.words import reading_form
from bot.i18n.translate import M, translate
from bot.types import Answers

__all__ = [
    "PREFECTURES",
    "REGIONS",
    "TOWNS",
    "Place",
    "find_places",
    "prefecture_name",
    "prefecture_options",
    "region_of",
]

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


# Towns and neighbourhoods people name instead of their prefecture → its key. Sub-prefecture
# seats and large towns (the mining towns of Boké, the gold towns of Siguiri), and Conakry's
# best-known neighbourhoods under their commune as they were before the communes were
# redrawn. Names shared by two prefectures (Tanènè: Boké and Dubréka) are left out.
TOWNS: dict[str, str] = {
    "Kamsar": "boke",
    "Sangarédi": "boke",
    "Kolaboui": "boke",
    "Kanfarandé": "boke",
    "Dabiss": "boke",
    "Koba": "boffa",
    "Tougnifili": "boffa",
    "Koumbia": "gaoual",
    "Youkounkoun": "koundara",
    "Sambaïlo": "koundara",
    "Manéah": "coyah",
    "Kouriah": "coyah",
    "Wonkifong": "coyah",
    "Kagbélen": "dubreka",
    "Khorira": "dubreka",
    "Maférinyah": "forecariah",
    "Benty": "forecariah",
    "Kaback": "forecariah",
    "Friguiagbé": "kindia",
    "Mambia": "kindia",
    "Timbo": "mamou",
    "Porédaka": "mamou",
    "Ouré-Kaba": "mamou",
    "Mitty": "dalaba",
    "Ditinn": "dalaba",
    "Timbi-Madina": "pita",
    "Timbi-Touni": "pita",
    "Popodara": "labe",
    "Hafia": "labe",
    "Yembéring": "mali",
    "Bissikrima": "dabola",
    "Dogomet": "dabola",
    "Tiro": "faranah",
    "Kintinian": "siguiri",
    "Doko": "siguiri",
    "Norassoba": "siguiri",
    "Niandankoro": "siguiri",
    "Baro": "kouroussa",
    "Banankoro": "kerouane",
    "Bossou": "lola",
    "Sérédou": "macenta",
    "Diécké": "yomou",
    "Koulé": "nzerekore",
    "Gouécké": "nzerekore",
    "Womey": "nzerekore",
    "Sinko": "beyla",
    "Tékoulo": "gueckedou",
    "Kipé": "ratoma",
    "Hamdallaye": "ratoma",
    "Bambeto": "ratoma",
    "Cosa": "ratoma",
    "Kaporo": "ratoma",
    "Lambanyi": "ratoma",
    "Sonfonia": "ratoma",
    "Koloma": "ratoma",
    "Taouyah": "ratoma",
    "Madina": "matam",
    "Bonfi": "matam",
    "Coléah": "matam",
    "Gbessia": "matoto",
    "Yimbaya": "matoto",
    "Sangoyah": "matoto",
    "Enta": "matoto",
    "Camayenne": "dixinn",
    "Landréah": "dixinn",
    "Boulbinet": "kaloum",
    "Almamya": "kaloum",
    "Coronthie": "kaloum",
}

# Other names of a region, or of several ("le Fouta" is Labé and Mamou): region keys.
REGION_NAMES: dict[str, tuple[str, ...]] = {
    "capitale": ("conakry",),
    "cky": ("conakry",),
    "kry": ("conakry",),
    "konakiri": ("conakry",),
    "fouta": ("labe", "mamou"),
    "fouta djallon": ("labe", "mamou"),
    "moyenne guinée": ("labe", "mamou"),
    "guinée forestière": ("nzerekore",),
    "forestière": ("nzerekore",),
    "forêt": ("nzerekore",),
    "haute guinée": ("kankan", "faranah"),
    "basse guinée": ("conakry", "boke", "kindia"),
    "guinée maritime": ("conakry", "boke", "kindia"),
}

_CLOSE = 80  # rapidfuzz ratio from which a word is a misspelling of a place's name
_CLOSE_SHORT = 85  # for names of six letters or fewer


@dataclass(frozen=True)
class Place:
    """A place a person may name: a region (prefecture None), or a spot in a prefecture."""

    region: str
    prefecture: str | None = None


_REGION_OF: dict[str, str] = {
    prefecture: region for region, items in PREFECTURES.items() for prefecture, _ in items
}
_PREFECTURE_NAMES: dict[str, str] = {
    key: name for items in PREFECTURES.values() for key, name in items
}


def region_of(prefecture: str | None) -> str | None:
    """The region a prefecture (Conakry: a commune) belongs to."""
    return _REGION_OF.get(prefecture) if prefecture else None


def prefecture_name(prefecture: str | None) -> str | None:
    return _PREFECTURE_NAMES.get(prefecture) if prefecture else None


def _compact(name: str) -> str:
    return reading_form(name).replace(" ", "")


@lru_cache(maxsize=1)
def _index() -> dict[str, tuple[Place, ...]]:
    """Every name, compacted ("nzerekore", "timbimadina"), with the places it names."""
    index: dict[str, list[Place]] = {}

    def add(name: str, place: Place) -> None:
        index.setdefault(_compact(name), []).append(place)

    for option in REGIONS:
        assert not isinstance(option.label, str)
        for name in (translate(option.label, "fr"), *option.synonyms):
            add(name, Place(option.key))
    for name, regions in REGION_NAMES.items():
        for region in regions:
            add(name, Place(region))
    for region, items in PREFECTURES.items():
        for key, name in items:
            add(name, Place(region, key))
    for name, prefecture in TOWNS.items():
        add(name, Place(_REGION_OF[prefecture], prefecture))
    return {name: tuple(dict.fromkeys(places)) for name, places in index.items()}


def _lookup(gram: str, fuzzy: bool) -> tuple[Place, ...]:
    index = _index()
    if gram in index:
        return index[gram]
    if not fuzzy or len(gram) < 4:
        return ()
    limit = _CLOSE_SHORT if len(gram) <= 6 else _CLOSE
    found = process.extractOne(gram, index.keys(), scorer=fuzz.ratio, score_cutoff=limit)
    return index[found[0]] if found else ()


def find_places(text: str) -> Iterator[tuple[Place, ...]]:
    """The places `text` (reading form, filler removed) names, each name once, as the
    places that name may mean: "j'habite Kamsar" → (Boké prefecture,); "Boké" → (Boké
    region, Boké prefecture); "fouta" → (Labé region, Mamou region). Names of up to
    three words are tried first ("timbi madina" before "madina")."""
    tokens = text.split()
    used = [False] * len(tokens)
    for width in (3, 2, 1):
        for start in range(len(tokens) - width + 1):
            if any(used[start : start + width]):
                continue
            gram = "".join(tokens[start : start + width])
            places = _lookup(gram, fuzzy=width == 1 or len(gram) >= 8)
            if places:
                used[start : start + width] = [True] * width
                yield places
