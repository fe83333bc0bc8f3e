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

# Between choices: punctuation, or "et" / "and" / Pular "e". Spaces separate choices too,
# but only once a part is not an option's words as a whole ("un emploi").
_SEPARATORS = re.compile(r"\s*(?:[,;/&+]|\bet\b|\band\b|\be\b)\s*")
# WhatsApp users often answer with a keycap emoji: 2️⃣ is "2" followed by these two.
_KEYCAPS = str.maketrans("", "", "\ufe0f\u20e3")
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
    compact = token.replace(" ", "")  # N'Zérékoré, Nzérékoré, N Zerekore are one place
    exact = [
        i
        for i, names in enumerate(labels)
        if token in names or any(n.replace(" ", "") == compact for n in names)
    ]
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


def _read_part(part: str, labels: Sequence[Sequence[str]]) -> list[int] | str:
    """The options one part of an answer names (`"3"`, `"un emploi"`, `"1 3"`), or an
    error code."""
    number = _NUMBER.match(part)
    if number:
        n = int(number.group(1))
        return [n - 1] if 1 <= n <= len(labels) else "out_of_range"
    whole = _match_words(normalize(part), labels)
    if whole is not None:
        return [whole]
    indexes: list[int] = []
    for token in part.split():
        read = _read_part(token, labels) if token != part else "unknown"
        if isinstance(read, str):
            return read
        indexes.extend(read)
    return indexes or "unknown"


def parse_choices(text: str, labels: Sequence[Sequence[str]], multi: bool) -> Parsed:
    """Read `text` as one choice (or several when `multi`) among options.

    `labels[i]` holds option i's normalized label and synonyms, in every language the
    person might use. Numbers are 1-based as shown in menus. Naming one option twice
    (`2 Boké`, a menu line copied back) is one choice.
    """
    raw = text.strip()[:MAX_INPUT_CHARS].translate(_KEYCAPS)
    norm = normalize(raw)
    if not norm:
        return Parsed(error="empty")

    single = _NUMBER.match(raw) if len(raw) <= 8 else None
    if single:
        n = int(single.group(1))
        return Parsed((n - 1,)) if 1 <= n <= len(labels) else Parsed(error="out_of_range")
    whole = _match_words(norm, labels)
    if whole is not None:
        return Parsed((whole,))

    indexes: list[int] = []
    for part in _SEPARATORS.split(raw.casefold()):
        if not part.strip():
            continue
        read = _read_part(part.strip(), labels)
        if isinstance(read, str):
            return Parsed(error=read)
        indexes.extend(i for i in read if i not in indexes)
    if not indexes:
        return Parsed(error="unknown")
    if not multi and len(indexes) > 1:
        return Parsed(error="too_many")
    return Parsed(tuple(indexes))
