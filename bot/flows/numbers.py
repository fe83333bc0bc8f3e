"""Numbers and lengths of time in what people write: "27", "vingt-sept ans", "6 mois",
"deux semaines", "l'année dernière", Maninka "san mugan ni duuru" (25 years).

Number words, joiners and units are translatable lists (bot/flows/wordlists.py). Words
are read in reading form (bot/flows/words.py). A number written with one word that is
also an article ("un", "une", "one") counts only beside a unit ("un an"): "un homme" is
not 1 man.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from bot.flows.wordlists import (
    DAYS,
    FILLER,
    MONTHS,
    NUMBER_JOINERS,
    NUMBER_WORDS,
    TIME_PHRASES,
    WEEKS,
    YEARS,
    pairs,
    words,
)
from bot.flows.words import without
from bot.i18n.languages import version
from bot.i18n.translate import Msg

__all__ = ["Quantity", "Unit", "months_ago", "quantities"]

Unit = Literal["years", "months", "weeks", "days"]
_UNITS: tuple[tuple[Unit, Msg], ...] = (
    ("years", YEARS),
    ("months", MONTHS),
    ("weeks", WEEKS),
    ("days", DAYS),
)
_MONTHS_PER: dict[Unit, float] = {"years": 12.0, "months": 1.0, "weeks": 12 / 52, "days": 12 / 365}
_HALF = ("demi", "half", "et demi", "and a half")


@dataclass(frozen=True)
class Quantity:
    """A number in the text, with the unit of time written beside it, if any."""

    value: float
    unit: Unit | None = None

    @property
    def months(self) -> float | None:
        return None if self.unit is None else self.value * _MONTHS_PER[self.unit]


def _unit_of(token: str) -> Unit | None:
    for unit, msg in _UNITS:
        if token in words(msg):
            return unit
    return None


@lru_cache(maxsize=4)
def _number_words(
    _languages: int,
) -> tuple[dict[str, float], tuple[str, ...], frozenset[str]]:
    """Number words and their values, those of several words (longest first), and the
    words that join them ("vingt et un"), read once per set of languages."""
    table = {word: float(value) for word, value in pairs(NUMBER_WORDS).items()}
    phrases = tuple(sorted((w for w in table if " " in w), key=len, reverse=True))
    return table, phrases, frozenset(words(NUMBER_JOINERS))


def _number_spans(tokens: list[str]) -> list[tuple[int, int, float]]:
    """(start, end, value) of each number: digits, or number words read together
    ("quatre vingt dix" = 90, "vingt et un" = 21, "noogaas e jowi" = 25)."""
    table, phrases, joiners = _number_words(version())
    spans: list[tuple[int, int, float]] = []
    i = 0
    while i < len(tokens):
        if tokens[i].isdigit() and len(tokens[i]) <= 4:
            spans.append((i, i + 1, float(tokens[i])))
            i += 1
            continue
        total, last, j = 0.0, 0.0, i
        while j < len(tokens):
            phrase = next((p for p in phrases if tokens[j : j + len(p.split())] == p.split()), None)
            word = phrase or tokens[j]
            width = len(word.split())
            if word in table:
                value = table[word]
                if last and value in (20.0, 100.0) and last < value:
                    total = total - last + last * value  # quatre-vingt, two hundred
                elif last and value >= last:
                    break  # "deux trois": two numbers, not one
                else:
                    total += value
                last = value
                j += width
            elif last and word in joiners and j + 1 < len(tokens) and tokens[j + 1] in table:
                j += 1
            else:
                break
        if j > i:
            spans.append((i, j, total))
            i = j
        else:
            i += 1
    return spans


def quantities(text: str) -> list[Quantity]:
    """Every number in `text` (reading form), with the unit of time after it ("6 mois")
    or before it (Maninka "kalo 6", Pular "duuɓi 27"); "et demi" adds a half."""
    tokens = text.split()
    found: list[Quantity] = []
    for start, end, value in _number_spans(tokens):
        after = _unit_of(tokens[end]) if end < len(tokens) else None
        before = _unit_of(tokens[start - 1]) if start > 0 else None
        unit = after or before
        article = end - start == 1 and not tokens[start].isdigit() and value == 1
        if article and unit is None and len(tokens) > 1:
            continue  # "un homme", "one of them"
        rest = " ".join(tokens[end + (1 if after else 0) :])
        if any(rest == h or rest.startswith(h + " ") for h in _HALF):
            value += 0.5
        found.append(Quantity(value, unit))
    return found


def _bare(phrase: str) -> str:
    """`phrase` without its filler, unless that leaves one word ("ce mois" is not "mois")."""
    bare = without(phrase, words(FILLER))
    return bare if len(bare.split()) > 1 or bare == phrase else phrase


def months_ago(text: str) -> list[tuple[float, float]]:
    """How long ago `text` (reading form) says, as (least, most) months: from a number
    and its unit ("2 ans", "deux semaines") or from a phrase ("l'année dernière")."""
    found: list[tuple[float, float]] = []
    # `text` may be without its filler ("la semaine dernière" → "semaine dernière"):
    # the phrases are compared without theirs.
    phrases = {_bare(p): v for p, v in pairs(TIME_PHRASES).items()}
    for phrase in sorted(phrases, key=len, reverse=True):
        if f" {phrase} " in f" {text} ":
            low, _, high = phrases[phrase].partition("-")
            found.append((float(low), float(high or low)))
            text = without(text, (phrase,))
    for q in quantities(text):
        if q.months is not None:
            found.append((q.months, q.months))
    return found
