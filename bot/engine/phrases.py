"""Phrase lists: what people say in their own words, found inside any sentence.

A list is a translatable message (like the keywords): comma-separated patterns, French in
the source and each language's own in its catalog, so that translators add what people
really write without touching code. Every language's patterns are looked for in every
message (a person may not have chosen a language yet, or may mix two).

Patterns are matched on the text as `normalize` leaves it (lower case, no accents,
apostrophes and punctuation as spaces: "m'a frappée" is "m a frappee"), as written and
with common SMS spellings written out ("jsuis" → "je suis"), word by word:

    me frapp*        `*` ends a word with any ending: frappe, frappé, frapper, frappée
    mari ~ frapp*    `~` allows up to four other words in between
    veux mourir      plain words must be whole words

An exception list names ordinary phrases that contain a pattern ("tuer le temps", "ça me
tue de rire"): they are removed from the text before it is searched (`searchable`, once
per message for all the lists that share them).

A message is searched only with the patterns whose first word it contains (an index by
first word, and by the start of an open-ended one): a sentence costs a few regular
expressions, not every pattern of every language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from bot.flows.text import normalize
from bot.i18n.languages import DEFAULT_LANGUAGE, codes, version
from bot.i18n.translate import M, Msg, translate

__all__ = ["Message", "PhraseList", "expand_spellings", "searchable"]

# How people write in SMS, written out before searching: "from=to" pairs. Translators
# add their language's spellings.
SMS_SPELLINGS = M(
    "phrases.sms_spellings",
    "jsuis=je suis, jsui=je suis, chui=je suis, chuis=je suis, jss=je suis, jai=j ai, "
    "jvais=je vais, jvai=je vais, jveux=je veux, jveu=je veux, jvx=je veux, veu=veux, "
    "vx=veux, jpeux=je peux, jpeu=je peux, jpx=je peux, jme=je me, jne=je ne, "
    "jsais=je sais, ke=que, ki=qui, koi=quoi, mwa=moi, moa=moi, tt=tout, ts=tous, pr=pour, "
    "pk=pourquoi, bcp=beaucoup, slt=salut, msg=message, ds=dans, ns=nous, vs=vous, "
    "stp=s il te plait, svp=s il vous plait, plz=please, pls=please, u=you, ur=your, "
    "im=i am, dont=don t, cant=can t, wanna=want to, gonna=going to, wont=won t, "
    "havent=haven t, didnt=didn t, isnt=isn t",
)

_WORD_GAP = r"(?: \S+){0,4}"


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    language: str


@dataclass(frozen=True)
class _Compiled:
    regex: re.Pattern[str]
    first: str
    """The pattern's first word (its start, when `open_ended`)."""
    open_ended: bool


def _compile_one(pattern: str) -> _Compiled | None:
    """One pattern as a regular expression over normalized text, with its first word."""
    parts: list[str] = []
    first, open_first = "", False
    for token in pattern.split():
        if token == "~":
            if parts:
                parts.append(_WORD_GAP)
            continue
        open_ended = token.endswith("*")
        words = normalize(token.rstrip("*")).split()
        if words and not first:
            first, open_first = words[0], open_ended and len(words) == 1
        for word in words:
            parts.append((" " if parts else "") + re.escape(word))
        if open_ended and parts:
            parts[-1] += r"\S*"
    if not parts or parts[-1] == _WORD_GAP:
        return None
    return _Compiled(re.compile(rf"(?:^| )(?:{''.join(parts)})(?= |$)"), first, open_first)


class _Index:
    """Patterns by their first word, each with the language it is from."""

    def __init__(self, entries: Iterable[tuple[str, str]]) -> None:
        self.by_word: dict[str, list[_Pattern]] = {}
        self.by_start: dict[str, list[_Pattern]] = {}
        for pattern, lang in entries:
            compiled = _compile_one(pattern)
            if compiled is not None:
                table = self.by_start if compiled.open_ended else self.by_word
                table.setdefault(compiled.first, []).append(_Pattern(compiled.regex, lang))
        self.start_lengths = sorted({len(start) for start in self.by_start})

    def candidates(self, words: Iterable[str]) -> Iterator[_Pattern]:
        """The patterns that may match a text made of `words`."""
        for word in words:
            yield from self.by_word.get(word, ())
            for length in self.start_lengths:
                if length > len(word):
                    break
                yield from self.by_start.get(word[:length], ())


def _split(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


@lru_cache(maxsize=4)
def _spellings(_languages: int) -> dict[str, str]:
    """Every language's SMS spellings, one written word → what it means."""
    pairs: dict[str, str] = {}
    for lang in codes():
        for item in _split(translate(SMS_SPELLINGS, lang)):
            written, _, meant = item.partition("=")
            if len(normalize(written).split()) == 1 and normalize(meant):
                pairs.setdefault(normalize(written), normalize(meant))
    return pairs


def expand_spellings(text: str) -> str:
    """`text` normalized, with SMS spellings written out ("jsuis en danger" → "je suis
    en danger")."""
    spellings = _spellings(version())
    return " ".join(spellings.get(word, word) for word in normalize(text).split())


@dataclass(frozen=True)
class Message:
    """A message as phrase lists search it: as written, and with SMS spellings written
    out ("ke" is "que" in French SMS, and a verb in Maninka: either may carry the
    words), ordinary phrases taken out of both."""

    texts: tuple[str, ...]
    words: frozenset[str]


def searchable(text: str, exceptions: Msg | None = None) -> Message:
    """`text` prepared once for any number of phrase lists."""
    texts = []
    for form in dict.fromkeys((normalize(text), expand_spellings(text))):
        if exceptions is not None:
            for pattern in _everything(exceptions, version()).candidates(form.split()):
                form = pattern.regex.sub(" | ", form)
        texts.append(form)
    words = frozenset(word for form in texts for word in form.split() if word != "|")
    return Message(tuple(texts), words)


@dataclass(frozen=True)
class PhraseList:
    """Patterns that say one thing (e.g. "I want to die")."""

    patterns: Msg

    def find(self, message: Message | str) -> str | None:
        """The language whose own patterns the message matches (the person's words may
        tell which language they write), French when only the shared French ones match,
        or None when nothing matches."""
        if isinstance(message, str):
            message = searchable(message)
        found = {
            pattern.language
            for pattern in self._index(version()).candidates(message.words)
            if any(pattern.regex.search(text) for text in message.texts)
        }
        # Each language's own words first, then French (every language falls back to it).
        return next((lang for lang in _search_order(version()) if lang in found), None)

    @lru_cache(maxsize=4)  # noqa: B019 - a few module-level lists, kept for the process
    def _index(self, _languages: int) -> _Index:
        """Each language's own patterns (those that differ from French), and French."""
        french = set(_split(self.patterns.text))
        entries = [(p, DEFAULT_LANGUAGE) for p in french]
        for lang in codes():
            if lang != DEFAULT_LANGUAGE:
                entries += [(p, lang) for p in set(_split(translate(self.patterns, lang))) - french]
        return _Index(entries)


@lru_cache(maxsize=4)
def _search_order(_languages: int) -> tuple[str, ...]:
    return (*(lang for lang in codes() if lang != DEFAULT_LANGUAGE), DEFAULT_LANGUAGE)


@lru_cache(maxsize=8)
def _everything(msg: Msg, _languages: int) -> _Index:
    """Every language's patterns of `msg`."""
    return _Index((p, lang) for lang in codes() for p in _split(translate(msg, lang)))
