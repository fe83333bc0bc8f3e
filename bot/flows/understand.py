"""Reading an answer as people write it: option numbers, an option's words, then sentences.

In order, the first that understands wins:

1. an option's exact words ("Une femme", "18-24");
2. option numbers alone ("2", "1,3", "je prends le 2"), unless a unit of time stands
   beside a number ("6 mois", "27 ans" are never options 6 and 27);
3. the step's own reader, by meaning (`Step.read`: an age, how long ago, a place),
   which may also answer a later step (`Reading.fills`: "Kamsar" gives the region and
   the prefecture);
4. the words of the sentence against the options' words (bot/flows/matching.py);
5. the menu reading of bot/flows/text.py ("2 Boké", "mec" for Mécanique);
6. a number written as a word ("deux"), as an option number.

Where two options fit equally, the result names them (`candidates`) so the runner asks
which. Steps that decide about a person's data (`read_strict`: consent, erasure) never
guess: every word must say yes, or every word no, else they ask again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.flows.matching import match_options, name_words
from bot.flows.model import Option, Step
from bot.flows.numbers import quantities
from bot.flows.text import normalize, parse_choices
from bot.flows.wordlists import FILLER, NO_WORDS, YES_WORDS, words
from bot.flows.words import Words, reading_form, without
from bot.types import Answers

__all__ = ["Reader", "Reading", "Understood", "read_answer"]


@dataclass(frozen=True)
class Reading:
    """What a step's reader understood: option keys; or, when `ambiguous`, the two keys
    to ask between. `fills`: answers to later steps given on the way (field, key)."""

    keys: tuple[str, ...]
    ambiguous: bool = False
    fills: tuple[tuple[str, str], ...] = ()


Reader = Callable[[Words, Answers], Reading | None]


@dataclass(frozen=True)
class Understood:
    """Indexes of the options chosen, or an error ("ambiguous": `candidates` are the
    two options to ask between); `fills` as in `Reading`."""

    indexes: tuple[int, ...] = ()
    error: str | None = None
    candidates: tuple[int, ...] = ()
    fills: tuple[tuple[str, str], ...] = ()


_ONLY_NUMBERS = re.compile(r"\d{1,3}(?: \d{1,3})*")


def _has_unit(form: str) -> bool:
    return any(q.unit is not None for q in quantities(form))


def _exact(text: str, names: Sequence[Sequence[str]]) -> int | None:
    norm = normalize(text)
    hits = {i for i, option in enumerate(names) if norm in option}
    return hits.pop() if len(hits) == 1 else None


def _from_keys(reading: Reading, options: Sequence[Option]) -> Understood | None:
    keys = [o.key for o in options]
    found = tuple(keys.index(k) for k in reading.keys if k in keys)
    if len(found) != len(reading.keys) or not found:
        return None
    if reading.ambiguous:
        return Understood(error="ambiguous", candidates=found) if len(found) == 2 else None
    return Understood(found, fills=reading.fills)


def read_answer(
    step: Step,
    options: Sequence[Option],
    names: Sequence[Sequence[str]],
    text: str,
    answers: Answers,
    *,
    strict: bool = False,
) -> Understood:
    """`text` read as the answer to `step`, whose options are `options` (`names[i]`:
    option i's normalized label and synonyms, as bot/flows/text.py takes them)."""
    multi = step.kind == "multi"
    said = Words.of(text)
    with_unit = _has_unit(said.text)
    exact = _exact(text, names)
    if exact is not None:
        return Understood((exact,))
    number_error = None
    if not with_unit and said.content and _ONLY_NUMBERS.fullmatch(said.content):
        parsed = parse_choices(said.content, names, multi=multi)
        if not parsed.error or strict or step.read is None:
            return Understood(parsed.indexes, parsed.error)
        number_error = parsed.error  # "j'ai 33": not option 33, maybe an age
    if strict:
        return _read_strict(said, names)

    if step.read is not None:
        reading = step.read(said, answers)
        understood = _from_keys(reading, options) if reading else None
        if understood is not None:
            return understood

    # Numbers beside a unit were the reader's to understand: they name no option.
    content = " ".join(w for w in said.content.split() if not w.isdigit())
    match = match_options(content, names, multi)
    if not content and not (match.indexes or match.candidates):
        # Only filler-like words: they may be an answer in another language (Maninka
        # "cɛ", a man, is French "ce").
        match = match_options(said.text, names, multi)
    if match.candidates:
        return Understood(error="ambiguous", candidates=match.candidates)
    if match.indexes:
        if not multi and len(match.indexes) > 1:
            return Understood(error="too_many")
        return Understood(match.indexes)

    # The menu reading of bot/flows/text.py: "2 Boké", "mec" for Mécanique, "N Zerekore".
    parsed = parse_choices(text, names, multi=multi)
    if not parsed.error and not with_unit:
        return Understood(parsed.indexes)
    spelled = quantities(said.content)
    if not with_unit and len(spelled) == 1 and said.content and not said.content.isdigit():
        number = int(spelled[0].value)
        if 1 <= number <= len(options):
            return Understood((number - 1,))
    error = parsed.error if parsed.error in ("out_of_range", "too_many") else "unknown"
    error = number_error or error
    return Understood(error=error)


def _sides(names: Sequence[Sequence[str]]) -> tuple[int, int] | None:
    """(the yes option, the no option) of a two-option question, from their names."""
    if len(names) != 2:
        return None
    yes, no = set(words(YES_WORDS)), set(words(NO_WORDS))
    forms = [{reading_form(n) for n in option} for option in names]
    yes_side = [i for i, f in enumerate(forms) if f & yes]
    no_side = [i for i, f in enumerate(forms) if f & no]
    if len(yes_side) == 1 and len(no_side) == 1 and yes_side != no_side:
        return yes_side[0], no_side[0]
    return None


def _read_strict(said: Words, names: Sequence[Sequence[str]]) -> Understood:
    """One option only when every word says it: "oui c'est bon", "d'accord j'accepte" →
    yes; "oui mais non", "je sais pas", "c'est quoi ?" → asked again."""
    sides = _sides(names)
    phrases: list[tuple[str, int]] = []
    if sides is not None:  # a yes/no question: every language's yes and no words too
        yes_index, no_index = sides
        phrases += [(p, yes_index) for p in words(YES_WORDS)]
        phrases += [(p, no_index) for p in words(NO_WORDS)]
    for i, option in enumerate(names):
        phrases += [(reading_form(n), i) for n in option if reading_form(n)]
    phrases.sort(key=lambda p: (-len(p[0].split()), -len(p[0])))
    text, meant = said.text, set()
    for phrase, index in phrases:
        if f" {phrase} " in f" {text} ":
            meant.add(index)
            text = without(text, (phrase,))
    rest = without(text, words(FILLER)).split()
    option_words = [{w for n in option for w in name_words(n)} for option in names]
    for word in rest:
        # A word of one option's own label ("efface" for "Oui, tout effacer").
        owners = {
            i
            for i, ows in enumerate(option_words)
            if word in ows or (len(word) >= 5 and any(w.startswith(word) for w in ows))
        }
        if len(owners) != 1:
            return Understood(error="unknown")
        meant |= owners
    if len(meant) != 1:
        return Understood(error="unknown")
    return Understood((meant.pop(),))
