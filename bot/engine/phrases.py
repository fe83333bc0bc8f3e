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
tue de rire"): they are removed from the text before it is searched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from bot.flows.text import normalize
from bot.i18n.languages import DEFAULT_LANGUAGE, codes, version
from bot.i18n.translate import M, Msg, translate

__all__ = ["PhraseList", "expand_spellings"]

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


def _pattern_regex(pattern: str) -> str | None:
    """One pattern as a regular expression over normalized text."""
    parts: list[str] = []
    for token in pattern.split():
        if token == "~":
            if parts:
                parts.append(_WORD_GAP)
            continue
        open_ended = token.endswith("*")
        for word in normalize(token.rstrip("*")).split():
            parts.append((" " if parts else "") + re.escape(word))
        if open_ended and parts:
            parts[-1] += r"\S*"
    if not parts or parts[-1] == _WORD_GAP:
        return None
    return rf"(?:^| )(?:{''.join(parts)})(?= |$)"


def _compile(patterns: Iterable[str]) -> re.Pattern[str] | None:
    regexes = sorted({r for p in patterns if (r := _pattern_regex(p))}, key=len, reverse=True)
    return re.compile("|".join(regexes)) if regexes else None


def _split(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


@lru_cache(maxsize=4)
def _spellings(_languages: int) -> tuple[tuple[re.Pattern[str], str], ...]:
    pairs: dict[str, str] = {}
    for lang in codes():
        for item in _split(translate(SMS_SPELLINGS, lang)):
            written, _, meant = item.partition("=")
            if normalize(written) and normalize(meant):
                pairs.setdefault(normalize(written), normalize(meant))
    return tuple((re.compile(rf"(?:^| ){re.escape(w)}(?= |$)"), f" {m}") for w, m in pairs.items())


def expand_spellings(text: str) -> str:
    """`text` normalized, with SMS spellings written out ("jsuis en danger" → "je suis
    en danger")."""
    result = normalize(text)
    for written, meant in _spellings(version()):
        result = written.sub(meant, result)
    return " ".join(result.split())


@dataclass(frozen=True)
class PhraseList:
    """Patterns that say one thing (e.g. "I want to die"), with the ordinary phrases
    that must not count."""

    patterns: Msg
    exceptions: Msg | None = None

    def find(self, text: str) -> str | None:
        """The language whose own patterns `text` matches (the person's words may tell
        which language they write), French when only the shared French ones match, or
        None when nothing matches."""
        # As written, and with SMS spellings written out ("ke" is "que" in French SMS,
        # and a verb in Maninka): either may carry the words.
        written = self._without_exceptions(normalize(text))
        expanded = self._without_exceptions(expand_spellings(text))
        if not written.strip(" |"):
            return None
        for lang, regex in self._by_language(version()):
            if regex.search(written) or regex.search(expanded):
                return lang
        return None

    def _without_exceptions(self, text: str) -> str:
        if self.exceptions is None:
            return text
        regex = _everything(self.exceptions, version())
        return " | ".join(regex.split(text)) if regex else text

    @lru_cache(maxsize=4)  # noqa: B019 - a few module-level lists, kept for the process
    def _by_language(self, _languages: int) -> tuple[tuple[str, re.Pattern[str]], ...]:
        """Each language's own patterns (those that differ from French), then French."""
        french = set(_split(self.patterns.text))
        found: list[tuple[str, re.Pattern[str]]] = []
        for lang in codes():
            if lang == DEFAULT_LANGUAGE:
                continue
            own = set(_split(translate(self.patterns, lang))) - french
            regex = _compile(own)
            if regex is not None:
                found.append((lang, regex))
        regex = _compile(french)
        if regex is not None:
            found.append((DEFAULT_LANGUAGE, regex))
        return tuple(found)


@lru_cache(maxsize=8)
def _everything(msg: Msg, _languages: int) -> re.Pattern[str] | None:
    """Every language's patterns of `msg` in one expression."""
    return _compile(p for lang in codes() for p in _split(translate(msg, lang)))
