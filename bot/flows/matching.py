"""Which options a sentence names, word by word: "je voudrais un crédit", "formation et un
crédit", "coutur et coifure", "oui maintenant".

Each word that is not filler is compared with the words of every option's names (its
label in the person's language and in French, its synonyms): the same word, a
misspelling of it (rapidfuzz's ratio, for words of four letters or more), or its start
("mecan" for "mécanique"). A word that fits several options counts for each of them in
proportion ("oui" is half of "Oui, maintenant" and half of "Oui, avant"), so the word
that tells them apart decides. When two options fit equally, the caller asks which.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from bot.flows.wordlists import FILLER, words
from bot.flows.words import reading_form, without

__all__ = ["Match", "match_options", "name_words"]

# A word this close to an option's word (rapidfuzz ratio, 0–100) is taken as a misspelling
# of it: one letter wrong in "formasion", "coutur", "credi".
_CLOSE = 80
_CLOSE_SHORT = 85  # four or five letters: one letter more or less only
_WHOLE, _MISSPELT, _START = 1.0, 0.9, 0.8
# A word that is an option's whole name ("Golle", "Non") beats the same word inside
# another option's longer name ("Fuɗɗude/mawninde golle am", "Non, jamais").
_NAME_ITSELF = 1.05


@dataclass(frozen=True)
class Match:
    """Options the words name (indexes), or the two they fit equally (candidates)."""

    indexes: tuple[int, ...] = ()
    candidates: tuple[int, ...] = ()


@lru_cache(maxsize=4096)
def name_words(name: str) -> tuple[str, ...]:
    """The words of an option's name that count (not filler, two letters or more)."""
    form = reading_form(name)
    content = without(form, words(FILLER)) or form
    return tuple(w for w in content.split() if len(w) > 1)


def _fit(word: str, option_word: str) -> float:
    if word == option_word:
        return _WHOLE
    if word.isdigit() or option_word.isdigit() or min(len(word), len(option_word)) < 4:
        return 0.0
    limit = _CLOSE_SHORT if min(len(word), len(option_word)) <= 5 else _CLOSE
    if fuzz.ratio(word, option_word) >= limit:
        return _MISSPELT
    if option_word.startswith(word) or (len(option_word) >= 5 and word.startswith(option_word)):
        return _START
    return 0.0


def _fits(text_words: Sequence[str], names: Sequence[Sequence[str]]) -> list[list[float]]:
    """fits[w][o]: how well word w fits option o (its best fit among o's names' words)."""
    option_words = [{w for name in option for w in name_words(name)} for option in names]
    singles = [{name_words(n) for n in option} for option in names]
    return [
        [
            _NAME_ITSELF if (word,) in single else max((_fit(word, w) for w in ows), default=0.0)
            for ows, single in zip(option_words, singles, strict=True)
        ]
        for word in text_words
    ]


def _whole_name(content: str, names: Sequence[Sequence[str]]) -> int | None:
    """The one option one of whose names is exactly what was written (filler aside)."""
    hits = {
        i
        for i, option in enumerate(names)
        if any(" ".join(name_words(n)) == content for n in option)
    }
    return hits.pop() if len(hits) == 1 else None


def _phrases(names: Sequence[Sequence[str]]) -> list[tuple[str, int]]:
    """Every name of two words or more (the words that count), longest first."""
    found = {
        (" ".join(name_words(n)), i)
        for i, option in enumerate(names)
        for n in option
        if len(name_words(n)) > 1
    }
    return sorted(found, key=lambda p: (-len(p[0].split()), p[0], p[1]))


def match_options(content: str, names: Sequence[Sequence[str]], multi: bool) -> Match:
    """The options that `content` (the words that count, in reading form) names.

    One answer: the option the words fit best, or the two they fit equally. Several
    (`multi`): each option that some word fits better than any other option; a word
    that fits two options equally, neither of them otherwise named, makes it a question.
    """
    if not content:
        return Match()
    whole = _whole_name(content, names)
    if whole is not None:
        return Match((whole,))
    # Names of several words written out whole come first: "wali xaranyi" (training)
    # before "wali" (a job) in "wali xaranyi nun crédit".
    named: list[int] = []
    for phrase, index in _phrases(names):
        if f" {phrase} " in f" {content} ":
            content = without(content, (phrase,))
            if index not in named:
                named.append(index)
    if named and not multi:
        if len(named) == 1:
            return Match((named[0],))
        return Match(candidates=tuple(sorted(named))) if len(named) == 2 else Match()
    text_words = [w for w in content.split() if len(w) > 1 and not w.isdigit()]
    fits = _fits(text_words, names)
    shares: list[list[float]] = []
    for row in fits:
        fitting = sum(1 for f in row if f > 0)
        shares.append([f / fitting if f > 0 else 0.0 for f in row])
    if not multi:
        totals = [sum(row[o] for row in shares) for o in range(len(names))]
        ranked = sorted(range(len(names)), key=lambda o: -totals[o])
        if not ranked or totals[ranked[0]] == 0:
            return Match()
        tied = [o for o in ranked if abs(totals[o] - totals[ranked[0]]) < 1e-9]
        if len(tied) == 1:
            return Match((tied[0],))
        return Match(candidates=tuple(sorted(tied))) if len(tied) == 2 else Match()

    chosen: list[int] = named
    unsure: list[tuple[int, ...]] = []
    for row in fits:
        best = max(row, default=0.0)
        if best == 0:
            continue
        top = tuple(o for o, f in enumerate(row) if f == best)
        if len(top) == 1:
            if top[0] not in chosen:
                chosen.append(top[0])
        else:
            unsure.append(top)
    # A word that fits two options equally, neither named otherwise: ask which. One that
    # fits three or more says too little to ask about, and is left aside.
    undecided = [top for top in unsure if len(top) == 2 and not set(top) & set(chosen)]
    if undecided:
        return Match(candidates=undecided[0])
    return Match(tuple(chosen))
