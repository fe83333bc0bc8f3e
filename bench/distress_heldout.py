"""`python -m bench.distress_heldout`: how the distress detector does on sentences it
was not tuned on (bench/corpus/distress_heldout.tsv, written without seeing the word
lists or the test corpus).

Per language: the number of sentences, recall on the D sentences (those it must catch),
precision (of everything it flagged, how much was D), category accuracy (of the D
sentences caught, how many in the right category), then every missed D, every false
alarm and every wrong category with its line number in the file. It is a measurement:
misses do not make it fail (exit status 0 whatever the figures; 2 if the file is
malformed).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from bot.engine.distress import detect_distress

CORPUS = Path(__file__).resolve().parent / "corpus" / "distress_heldout.tsv"
LANGUAGES = ("fr", "en")
LABELS = ("D", "O")
CATEGORIES = ("self_harm", "violence", "trafficking", "other")


@dataclass(frozen=True)
class Sentence:
    line: int
    lang: str
    label: str
    category: str
    text: str


@dataclass(frozen=True)
class Outcome:
    sentence: Sentence
    found: str | None  # the category detected, None when nothing was
    found_language: str | None


def read_corpus(path: Path = CORPUS) -> list[Sentence]:
    sentences: list[Sentence] = []
    problems: list[str] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 4:
            problems.append(f"line {number}: {len(fields)} fields, 4 expected")
            continue
        lang, label, category, text = fields
        if lang not in LANGUAGES:
            problems.append(f"line {number}: language {lang!r}")
        if label not in LABELS:
            problems.append(f"line {number}: label {label!r}")
        elif label == "D" and category not in CATEGORIES:
            problems.append(f"line {number}: category {category!r} for D")
        elif label == "O" and category != "-":
            problems.append(f"line {number}: category {category!r} for O ('-' expected)")
        if not text.strip():
            problems.append(f"line {number}: empty text")
        sentences.append(Sentence(number, lang, label, category, text))
    if problems:
        raise ValueError(f"{path}:\n  " + "\n  ".join(problems))
    return sentences


def run(sentences: list[Sentence]) -> list[Outcome]:
    outcomes = []
    for sentence in sentences:
        distress = detect_distress(sentence.text)
        outcomes.append(
            Outcome(
                sentence,
                None if distress is None else str(distress.category),
                None if distress is None else str(distress.language),
            )
        )
    return outcomes


def ratio(part: int, whole: int) -> str:
    if whole == 0:
        return "n/a (0/0)"
    return f"{100 * part / whole:5.1f}% ({part}/{whole})"


def report(outcomes: list[Outcome], title: str) -> list[str]:
    danger = [o for o in outcomes if o.sentence.label == "D"]
    ordinary = [o for o in outcomes if o.sentence.label == "O"]
    caught = [o for o in danger if o.found is not None]
    missed = [o for o in danger if o.found is None]
    alarms = [o for o in ordinary if o.found is not None]
    flagged = len(caught) + len(alarms)
    right_category = [o for o in caught if o.found == o.sentence.category]
    wrong_category = [o for o in caught if o.found != o.sentence.category]
    lines = [
        f"== {title}: {len(outcomes)} sentences ({len(danger)} D, {len(ordinary)} O)",
        f"   recall on D        {ratio(len(caught), len(danger))}",
        f"   precision          {ratio(len(caught), flagged)}",
        f"   category accuracy  {ratio(len(right_category), len(caught))}  (of the D caught)",
    ]
    for category in CATEGORIES:
        of_category = [o for o in danger if o.sentence.category == category]
        if of_category:
            hit = sum(1 for o in of_category if o.found is not None)
            lines.append(f"     recall, {category:<12}{ratio(hit, len(of_category))}")
    if missed:
        lines.append(f"   missed D ({len(missed)}):")
        lines += [
            f"     line {o.sentence.line:>3} [{o.sentence.category}] {o.sentence.text}"
            for o in missed
        ]
    if alarms:
        lines.append(f"   false alarms on O ({len(alarms)}):")
        lines += [
            f"     line {o.sentence.line:>3} [read as {o.found}] {o.sentence.text}" for o in alarms
        ]
    if wrong_category:
        lines.append(f"   caught, wrong category ({len(wrong_category)}):")
        lines += [
            f"     line {o.sentence.line:>3} [{o.sentence.category} read as {o.found}]"
            f" {o.sentence.text}"
            for o in wrong_category
        ]
    return lines


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else CORPUS
    try:
        sentences = read_corpus(path)
    except ValueError as problem:
        print(problem, file=sys.stderr)
        return 2
    outcomes = run(sentences)
    print(f"Distress detection on the held-out set {path.name}")
    for lang in LANGUAGES:
        of_lang = [o for o in outcomes if o.sentence.lang == lang]
        if of_lang:
            print()
            print("\n".join(report(of_lang, lang)))
    print()
    print("\n".join(report(outcomes, "all languages")[:4]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
