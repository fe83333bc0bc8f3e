"""Wording that stigmatises people returning from migration, found in a text.

Orienta's messages, success stories and broadcasts must not label people by failure,
illegality or shame (PICUM "Words matter", Amnesty, Ethical Journalism Network). It flags
such words with the reason and a better wording, for staff to decide; it rewrites nothing.

Usage::

    >>> from bot.stigma import Rule, find_stigmatising
    >>> text = "Les CLANDESTINS revenus en échec"
    >>> [(f.term, f.alternative) for f in find_stigmatising(text)][0]
    ('CLANDESTINS', 'personne migrante, personne en situation irrégulière')
    >>> finding = find_stigmatising(text)[1]
    >>> text[finding.start : finding.end]
    'échec'

Staff add their own rules, e.g. for Pular, Maninka or Susu (here a placeholder word)::

    >>> mine = Rule(r"mots?", "raison, pour l'équipe", "mot à employer", language="sus")
    >>> [f.term for f in find_stigmatising("Ces MOTS-là", extra=[mine])]
    ['MOTS']

A pattern is a regular expression matched case-insensitively, without accents, on whole
words: `echec` also finds "Échec" and "ECHEC", and never the middle of a word. Offsets
index the text as given. Where two rules match overlapping words, the longer match wins
("migrante illégale" is one finding, not two).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["RULES", "Finding", "Rule", "find_stigmatising"]


@dataclass(frozen=True)
class Rule:
    pattern: str
    """Regular expression; case, accents and the apostrophe's shape (' or ’) do not matter."""
    reason: str
    """Why the wording hurts, for staff (French)."""
    alternative: str
    """What to write instead (French)."""
    language: str = "fr"
    """Language of the wording (fr, en, ff, emk, sus); informative, every rule applies."""
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        folded = _strip_accents(self.pattern).translate(_APOSTROPHES)
        try:
            regex = re.compile(rf"(?<!\w)(?:{folded})(?!\w)", re.IGNORECASE)
        except re.error as error:
            raise ValueError(
                f"Rule pattern {self.pattern!r} is not a valid regular expression: {error}."
            ) from error
        object.__setattr__(self, "regex", regex)


@dataclass(frozen=True)
class Finding:
    term: str
    """The words found, as written in the text."""
    start: int
    end: int
    """`text[start:end] == term`."""
    reason: str
    alternative: str


_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "`": "'"})


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _fold(text: str) -> tuple[str, list[int], list[int]]:
    """`text` casefolded, without accents, with the original span of each folded char.

    Folding goes character by character so that every folded character knows where it
    came from: offsets stay right for decomposed input ("e" + U+0301) and for characters
    that fold to several ("ß" → "ss").
    """
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, char in enumerate(text):
        if unicodedata.combining(char):
            if ends:
                ends[-1] = index + 1  # an accent belongs to the letter before it
            continue
        for folded in _strip_accents(unicodedata.normalize("NFKD", char)).casefold():
            chars.append(folded.translate(_APOSTROPHES))
            starts.append(index)
            ends.append(index + 1)
    return "".join(chars), starts, ends


# Pieces shared by several patterns (on folded text: lower case, no accents).
_PEOPLE_FR = (
    r"(?:migrant|immigre|emigre|etranger|exile|refugie|travailleur|retourne)(?:e|s|es)?"
    r"|personnes?|jeunes?|femmes?|hommes?"
)
_PEOPLE_EN = r"(?:migrant|immigrant|emigrant|alien|worker|refugee|returnee|person)s?|people"
_ILLEGAL_FR = r"illeg(?:al|ale|ales|aux)"
_DETERMINER_FR = r"(?:les|des|ces|aux|un|une|le|la|ce|cet|cette|l')"
_GAP = r"(?:[\s'-]+[\w]+){0,2}?[\s']+"  # up to two words between, e.g. "afflux massif de"

_IRREGULAR = (
    "une personne n'est pas illégale ; le mot suggère un crime",
    "personne migrante, personne en situation irrégulière",
)
_FAILURE = (
    "présenter le retour comme un échec nourrit la honte",
    "personne de retour ; « est rentré(e) »",
)
_FORCED = (
    "comme étiquette, réduit la personne à un acte subi",
    "personne de retour",
)
_MASS = (
    "fait des personnes une masse menaçante",
    "nommer les personnes et ce qu'elles font",
)
_VICTIM = (
    "réduire la personne à une victime lui retire sa capacité d'agir",
    "survivant(e) ; décrire ce que la personne fait ensuite",
)
_SHAME = ("langage qui fait honte", "ne pas parler de honte : décrire les faits")
_EXILE = (
    "présente le départ comme un libre choix",
    "décrire la situation de la personne",
)
_HOST = (
    "suggère que les personnes migrantes n'apportent rien",
    "pays de destination",
)

RULES: tuple[Rule, ...] = (
    # Illegality
    Rule(r"clandestin(?:e|s|es)?", *_IRREGULAR),
    Rule(rf"(?:{_PEOPLE_FR})\s+{_ILLEGAL_FR}", *_IRREGULAR),
    Rule(rf"{_DETERMINER_FR}\s*{_ILLEGAL_FR}", *_IRREGULAR),
    Rule(
        rf"(?:entree|sejour|immigration|migration|traversee|passage)s?\s+{_ILLEGAL_FR}",
        "suggère qu'il n'y avait aucun droit à chercher protection",
        "entrée (séjour, migration) irrégulière",
    ),
    Rule(rf"illegal\s+(?:{_PEOPLE_EN})|illegals", *_IRREGULAR, language="en"),
    Rule(
        r"illegal\s+(?:entr(?:y|ies)|stay|immigration|migration|crossings?)",
        "suggère qu'il n'y avait aucun droit à chercher protection",
        "irregular entry (entrée irrégulière)",
        language="en",
    ),
    # Failure
    Rule(r"echecs?", *_FAILURE),
    Rule(r"echou(?:e|ee|es|ees|ent|er|ait|aient)", *_FAILURE),
    Rule(r"(?:un|le|ce|les|des|ces)\s+rates?|(?:une|la|cette|les|des|ces)\s+ratees?", *_FAILURE),
    Rule(
        r"(?:migrant|migration|retour|voyage|aventure|parcours|vie|projet)(?:e|s|es)?"
        r"\s+ratee?s?",
        *_FAILURE,
    ),
    Rule(r"failures?", *_FAILURE, language="en"),
    Rule(
        rf"failed\s+(?:{_PEOPLE_EN}|migration|return|journey|attempt)s?", *_FAILURE, language="en"
    ),
    # A forced act as a label
    Rule(r"refoule(?:e|s|es)?", *_FORCED),
    Rule(r"expulse(?:e|s|es)?", *_FORCED),
    Rule(r"deportees?", *_FORCED, language="en"),
    # Derisive labels
    Rule(
        r"(?:les|des|ces|aux)\s+(?:retourne|revenant|maudit)(?:e|s|es)?",
        "étiquette moqueuse employée localement",
        "les personnes de retour",
    ),
    Rule(
        r"the\s+cursed|the\s+returned(?=\s+(?:are|were|who|have|must|should|will|need|can)\b"
        r"|\s*[^\w\s]|\s*$)",
        "étiquette moqueuse employée localement",
        "returnees, people who came back (les personnes de retour)",
        language="en",
    ),
    # People as a mass
    Rule(
        rf"(?:flux|vagues?|flots?|afflux|marees?|deferlantes?){_GAP}"
        rf"(?:{_PEOPLE_FR}|{_PEOPLE_EN})",
        *_MASS,
    ),
    Rule(r"invasions?", *_MASS),
    Rule(
        rf"(?:floods?|waves?|influx){_GAP}(?:{_PEOPLE_EN})",
        *_MASS,
        language="en",
    ),
    Rule(r"swarm(?:s|ed|ing)?", *_MASS, language="en"),
    # Victim as the whole identity
    Rule(r"pauvres?|malheureu(?:x|se|ses)", *_VICTIM),
    Rule(r"helpless\s+victims?|poor\s+things?", *_VICTIM, language="en"),
    # Shame
    Rule(r"hontes?|honteu(?:x|se|ses)|deshonneurs?|deshonor(?:e|ee|es|ees|er|ant|ante)", *_SHAME),
    Rule(r"shame(?:s|d|ful)?|ashamed|disgrace(?:s|d|ful)?", *_SHAME, language="en"),
    # Leaving as a free choice
    Rule(
        r"candidat(?:e|s|es)?\s+(?:a|au|aux)\s+(?:l'\s*|la\s+)?"
        r"(?:exil|emigration|immigration|migration|depart|aventure)",
        *_EXILE,
    ),
    Rule(r"would-?\s*be\s+(?:migrant|immigrant|emigrant)s?", *_EXILE, language="en"),
    # Destination countries
    Rule(r"pays\s+d'\s*accueil", *_HOST),
    Rule(r"host\s+countr(?:y|ies)", *_HOST, language="en"),
)


def find_stigmatising(text: str, extra: Iterable[Rule] = ()) -> list[Finding]:
    """Stigmatising words in `text`, in order, with why and what to write instead."""
    folded, starts, ends = _fold(text)
    candidates: list[tuple[int, int, int, Rule]] = []
    for order, rule in enumerate((*RULES, *extra)):
        for match in rule.regex.finditer(folded):
            if match.end() > match.start():
                candidates.append((match.start(), -match.end(), order, rule))
    findings: list[Finding] = []
    taken = 0
    # Leftmost first; at the same place the longest; then the first rule listed.
    for first, negative_end, _, rule in sorted(candidates, key=lambda c: c[:3]):
        if first < taken:
            continue
        taken = -negative_end
        start, end = starts[first], ends[taken - 1]
        findings.append(Finding(text[start:end], start, end, rule.reason, rule.alternative))
    return findings
