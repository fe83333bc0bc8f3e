"""The orientation's readers by meaning: an age, how long ago someone came back, a place.

Each is a `Reader` (bot/flows/understand.py): the person's words in, the option keys
they mean out, two keys to ask between when the words sit on a boundary ("entre 30 et
40 ans", "l'année dernière"), or nothing when they say none of it.
"""

from __future__ import annotations

from bot.flows.geo import PREFECTURES, find_places
from bot.flows.numbers import Quantity, months_ago, quantities
from bot.flows.understand import Reading
from bot.flows.words import Words
from bot.types import Answers

__all__ = ["age_band", "read_age", "read_prefecture", "read_region", "read_since"]

_AGE_BANDS = ("under_18", "18_24", "25_34", "35_49", "50_plus")
_SINCE_BANDS = ("under_3m", "3_12m", "1_3y", "over_3y")


def age_band(years: int) -> str | None:
    """The band of an age typed in years instead of a menu number."""
    if years > 120:
        return None
    for limit, band in ((18, "under_18"), (25, "18_24"), (35, "25_34"), (50, "35_49")):
        if years < limit:
            return band
    return "50_plus"


def _one_or_two(keys: list[str], order: tuple[str, ...]) -> Reading | None:
    found = sorted(set(keys), key=order.index)
    if len(found) == 1:
        return Reading((found[0],))
    return Reading(tuple(found), ambiguous=True) if len(found) == 2 else None


def _quantities(said: Words) -> list[Quantity]:
    """The numbers said, with their units: read without the filler first, as in Pular
    "duuɓi am 27" (my years: 27), else with it, as in "un an" ("un" is also filler)."""
    bare = quantities(said.content)
    return bare if any(q.unit for q in bare) else quantities(said.text)


def read_age(said: Words, _answers: Answers) -> Reading | None:
    """ "j'ai 27 ans", "vingt-sept", "san mugan ni duuru" → 25_34; two ages → which?"""
    found = _quantities(said)
    if any(q.unit not in (None, "years") for q in found):
        return None  # "6 mois" is no age
    # A number without "ans" is an age when the sentence says nothing else ("j'ai 33"),
    # or when another number has it ("entre 30 et 40 ans"); not in "moins de 18".
    only_numbers = len(quantities(said.content)) == len(said.content_tokens) or all(
        w.isdigit() or quantities(w) for w in said.content_tokens
    )
    if not only_numbers and not any(q.unit == "years" for q in found):
        return None
    bands = [age_band(int(q.value)) for q in found if q.unit or q.value > len(_AGE_BANDS)]
    return _one_or_two([b for b in bands if b], _AGE_BANDS)


def _since_band(months: float) -> str:
    """As the menu says: "3 à 12 mois", "1 à 3 ans" (a year is 1 à 3 ans)."""
    if months < 3:
        return "under_3m"
    if months < 12:
        return "3_12m"
    return "1_3y" if months <= 36 else "over_3y"


def read_since(said: Words, _answers: Answers) -> Reading | None:
    """ "6 mois" → 3_12m, "2 ans" → 1_3y, "deux semaines" → under_3m; "l'année
    dernière" (6 to 23 months ago) → 3_12m or 1_3y?"""
    order = _SINCE_BANDS
    bands: list[str] = []
    for least, most in months_ago(said.content) or months_ago(said.text):
        low, high = order.index(_since_band(least)), order.index(_since_band(most))
        bands.extend(order[low : high + 1])
    return _one_or_two(bands, order)


def read_region(said: Words, _answers: Answers) -> Reading | None:
    """A region, or a prefecture or town that says which ("Kamsar": Boké region, and
    Boké prefecture too, so that it is not asked). A region's own name ("Boké") gives
    the region only: the person may live anywhere in it."""
    regions: set[str] = set()
    prefectures: set[str] = set()
    for places in find_places(said.content):
        named_region = [p for p in places if p.prefecture is None]
        for place in named_region or places:
            regions.add(place.region)
            if place.prefecture is not None:
                prefectures.add(place.prefecture)
    order = tuple(PREFECTURES)
    if len(regions) != 1:
        return _one_or_two(list(regions), order)
    region = regions.pop()
    fills = (("prefecture", prefectures.pop()),) if len(prefectures) == 1 else ()
    return Reading((region,), fills=fills)


def read_prefecture(said: Words, answers: Answers) -> Reading | None:
    """A prefecture of the region given, or a town in it ("Kamsar" → Boké)."""
    region = answers.get("region")
    found = [
        place.prefecture
        for places in find_places(said.content)
        for place in places
        if place.region == region and place.prefecture is not None
    ]
    order = tuple(key for key, _ in PREFECTURES.get(str(region), ()))
    return _one_or_two([p for p in found if p in order], order) if order else None
