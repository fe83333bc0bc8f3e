"""A sentence as the runner reads it: its words in one spelling, and its words that count.

`reading_form` goes further than `normalize` (bot/flows/text.py): it also folds the
letters a basic phone often cannot type (Pular ɓ ɗ ɲ ŋ ƴ, Susu and Maninka ɛ ɔ) to the
ones people type instead, squashes letters held down ("ouiii", "nonnn"), and parts
digits from the words stuck to them ("27ans", "7mois"). `Words.content` drops the
filler (bot/flows/wordlists.py: "je suis", "j'habite à", "c'est"…).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.flows.text import normalize
from bot.flows.wordlists import FILLER, words

__all__ = ["Words", "reading_form", "without"]

_FOLD = str.maketrans({"ɓ": "b", "ɗ": "d", "ƴ": "y", "ŋ": "ng", "ɲ": "ny", "ɛ": "e", "ɔ": "o"})
_HELD = re.compile(r"([^\W\d])\1{2,}")  # three or more of one letter: "ouiii"
_DIGITS_AND_LETTERS = re.compile(r"(?<=\d)(?=[^\W\d])|(?<=[^\W\d])(?=\d)")


def reading_form(text: str) -> str:
    """`normalize`d, with the special letters folded, held letters squashed and digits
    parted from letters.

    >>> reading_form("Ouiii, j'ai 27ans ɗiɗi")
    'oui j ai 27 ans didi'
    """
    text = normalize(text).translate(_FOLD)
    text = _HELD.sub(r"\1", text)
    return " ".join(_DIGITS_AND_LETTERS.sub(" ", text).split())


@lru_cache(maxsize=1024)
def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(p) for p in phrases)
    return re.compile(rf"(?:^| )(?:{alternatives})(?= |$)")


def without(text: str, phrases: tuple[str, ...]) -> str:
    """`text` (in reading form) with every whole-word occurrence of `phrases` removed
    (the longest first, as `words()` sorts them)."""
    if not phrases or not text:
        return text
    return " ".join(_phrase_pattern(phrases).sub(" ", text).split())


@dataclass(frozen=True)
class Words:
    """One message, in reading form: all its words, and those that are not filler."""

    text: str
    content: str

    @classmethod
    def of(cls, text: str) -> Words:
        form = reading_form(text)
        return cls(form, without(form, words(FILLER)))

    @property
    def tokens(self) -> tuple[str, ...]:
        return tuple(self.text.split())

    @property
    def content_tokens(self) -> tuple[str, ...]:
        return tuple(self.content.split())
