"""Reading what people type: accent- and case-insensitive matching, tolerant choice parsing.

People answer menus in many ways: `2`, ` 2.`, `2)`, the option's words with or without
accents or capitals, several choices as `1,3`, `1 3` or `1 et 3`. These functions turn
such input into option indexes, or say why they cannot.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["MAX_INPUT_CHARS", "Parsed", "has_letters_or_digits", "normalize", "parse_choices"]

# Longer messages are cut before parsing: nothing useful to a menu is that long.
MAX_INPUT_CHARS = 1000

_SEPARATORS = re.compile(r"\s*(?:[,;/&+]|\bet\b|\band\b|\be\b)\s*|\s+")
_NUMBER = re.compile(r"^\(?\s*(\d{1,3})\s*[.)\]:-]?$")
_PUNCTUATION = re.compile(r"[^\w\s]")


def normalize(text: str) -> str:
    """Lower case, accents removed, punctuation turned into spaces, spaces collapsed.

    >>> normalize("  ARRÊT! ")
    'arret'
    """
    text = text[:MAX_INPUT_CHARS]
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    # Letters outside Latin-1 keep their identity (Pular ɓ ɗ ŋ ɲ ƴ, Susu ɛ ɔ).
    return " ".join(_PUNCTUATION.sub(" ", stripped.casefold().replace("'", " ")).split())


def has_letters_or_digits(text: str) -> bool:
    """False for empty text, emoji, stickers sent as text, or punctuation only."""
    return any(c.isalnum() for c in text)


@dataclass(frozen=True)
class Parsed:
    """Indexes (0-based) of the options chosen, or an error code when nothing fits.

    error is one of: "empty", "out_of_range", "unknown", "too_many" (several given
    where one is expected).
    """

    indexes: tuple[int, ...] = ()
    error: str | None = None


def _match_words(token: str, labels: Sequence[Sequence[str]]) -> int | None:
    """Index of the one option whose label or synonym equals or contains `token`."""
    if not token:
        return None
    exact = [i for i, names in enumerate(labels) if token in names]
    if len(exact) == 1:
        return exact[0]
    if len(token) < 3 or len(exact) > 1:
        return None
    padded = f" {token} "
    partial = [i for i, names in enumerate(labels) if any(padded in f" {n} " for n in names)]
    if len(partial) == 1:
        return partial[0]
    prefix = [i for i, names in enumerate(labels) if any(n.startswith(token) for n in names)]
    return prefix[0] if len(prefix) == 1 else None


def parse_choices(text: str, labels: Sequence[Sequence[str]], multi: bool) -> Parsed:
    """Read `text` as one choice (or several when `multi`) among options.

    `labels[i]` holds option i's normalized label and synonyms, in every language the
    person might use. Numbers are 1-based as shown in menus.
    """
    norm = normalize(text)
    raw = text.strip()[:MAX_INPUT_CHARS]
    if not norm:
        return Parsed(error="empty")

    single = _NUMBER.match(raw) if len(raw) <= 8 else None
    if single:
        n = int(single.group(1))
        return Parsed((n - 1,)) if 1 <= n <= len(labels) else Parsed(error="out_of_range")

    whole = _match_words(norm, labels)
    if whole is not None:
        return Parsed((whole,))

    several = parse_choices(text, labels, multi=True) if not multi else None
    if several is not None:
        return Parsed(error="too_many" if len(several.indexes) > 1 else several.error or "unknown")

    tokens = [t for t in _SEPARATORS.split(raw.casefold()) if t and t.strip()]
    indexes: list[int] = []
    for token in tokens:
        number = _NUMBER.match(token.strip())
        if number:
            n = int(number.group(1))
            if not 1 <= n <= len(labels):
                return Parsed(error="out_of_range")
            index: int | None = n - 1
        else:
            index = _match_words(normalize(token), labels)
        if index is None:
            return Parsed(error="unknown")
        if index not in indexes:
            indexes.append(index)
    if not indexes:
        return Parsed(error="unknown")
    return Parsed(tuple(indexes))
