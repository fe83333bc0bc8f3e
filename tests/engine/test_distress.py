"""Distress detection against the corpora of tests/engine/corpus/distress/: sentences
people write (half in danger, half ordinary, in each of the five languages), written
before the word lists were tuned. Recall and precision are printed per language (`-s`
or `-rP` shows them) and held: every distress sentence heard, precision ≥ 95 %, and no
ordinary sentence named by the issue taken for danger."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.engine.distress import detect_distress

CORPUS = Path(__file__).parent / "corpus" / "distress"
LANGUAGES = ("fr", "ff", "emk", "sus", "en")
NAMED_ORDINARY = ("tuer le temps", "ça me tue de rire", "Ala ye n kisi")


@dataclass(frozen=True)
class Sentence:
    line: int
    distress: bool
    category: str
    text: str


def corpus(lang: str) -> list[Sentence]:
    sentences = []
    path = CORPUS / f"{lang}.tsv"
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        label, category, text = raw.split("\t")
        sentences.append(Sentence(number, label == "D", category, text))
    return sentences


@pytest.mark.parametrize("lang", LANGUAGES)
def test_corpus_is_large_and_balanced(lang: str) -> None:
    sentences = corpus(lang)
    distress = [s for s in sentences if s.distress]
    minimum = 75 if lang == "fr" else 12
    assert len(distress) >= minimum and len(sentences) - len(distress) >= minimum
    assert {s.category for s in distress} == {"self_harm", "violence", "trafficking", "other"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_call_for_help_is_heard_and_few_false_alarms(lang: str) -> None:
    sentences = corpus(lang)
    missed = [s for s in sentences if s.distress and detect_distress(s.text) is None]
    alarms = [s for s in sentences if not s.distress and detect_distress(s.text) is not None]
    heard = sum(1 for s in sentences if s.distress) - len(missed)
    recall = heard / sum(1 for s in sentences if s.distress)
    precision = heard / (heard + len(alarms)) if heard + len(alarms) else 1.0
    print(
        f"\ndistress {lang}: {len(sentences)} sentences, recall {recall:.1%}, "
        f"precision {precision:.1%} ({len(missed)} missed, {len(alarms)} false alarms)"
    )
    for s in missed:
        print(f"  missed  {lang}.tsv:{s.line} [{s.category}] {s.text}")
    for s in alarms:
        print(f"  alarm   {lang}.tsv:{s.line} {s.text} → {detect_distress(s.text)}")
    assert not missed
    assert precision >= 0.95


@pytest.mark.parametrize("lang", LANGUAGES)
def test_category_is_the_one_people_describe(lang: str) -> None:
    """The category stored with the request: what staff act on first. Self-harm is
    never taken for another category (it has its own answer)."""
    distress = [s for s in corpus(lang) if s.distress]
    found = {s: detect_distress(s.text) for s in distress}
    said_self_harm = {s for s in distress if (f := found[s]) and f.category == "self_harm"}
    self_harm_wrong = [s for s in distress if (s.category == "self_harm") != (s in said_self_harm)]
    right = sum(1 for s in distress if found[s] is not None and found[s].category == s.category)
    print(f"\ndistress {lang}: category right for {right}/{len(distress)}")
    for s in self_harm_wrong:
        print(f"  self-harm mix-up {lang}.tsv:{s.line} [{s.category}] {s.text} → {found[s]}")
    assert not self_harm_wrong
    assert right / len(distress) >= 0.8


@pytest.mark.parametrize("text", NAMED_ORDINARY)
def test_named_ordinary_sentences_are_not_danger(text: str) -> None:
    assert detect_distress(text) is None


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("on veut me tuer", "violence"),
        ("ma femme me frappe", "violence"),
        ("je veux me suicider", "self_harm"),
        ("jsuis en danger", "other"),
        ("aidez moi svp", "other"),
        ("ils ont pris mon passeport", "trafficking"),
    ],
)
def test_the_sentences_of_the_issue(text: str, category: str) -> None:
    found = detect_distress(text)
    assert found is not None and found.category == category
