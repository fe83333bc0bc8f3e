"""Free answers as people write them (tests/flows/corpus/free_answers.tsv), each read by the
runner at its step and scored: right, asked again, or wrong.

The figures per step and per language are printed (`pytest -s` or `-rP` shows them).
Targets: at least 95 % right and at most 1 % wrong overall, and never wrong at consent
or at the erasure confirmation, where asking again is always better than a guess.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.flows import ORIENTATION
from bot.flows.model import FlowState
from bot.flows.runner import advance

CORPUS = Path(__file__).parent / "corpus" / "free_answers.tsv"
STRICT_STEPS = ("consent", "erase_confirm")
# Answers a step needs before it is asked (the prefecture's region, a returnee's situation).
CONTEXT = {"time_since_return": {"return_situation": "on_own"}}
# What choosing an option of an event-only step raises.
EVENT_KEYS = {
    "consent_given": "yes",
    "consent_refused": "no",
    "erase_confirmed": "yes",
    "erase_cancelled": "no",
}


@dataclass(frozen=True)
class Case:
    step: str
    lang: str
    text: str
    expected: str
    context: tuple[tuple[str, str], ...] = ()

    def state(self) -> FlowState:
        answers = dict(CONTEXT.get(self.step, {}))
        answers.update(self.context)
        return FlowState(step=self.step, answers=answers)


def load() -> list[Case]:
    cases = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        step, lang, text, expected = line.split("\t")
        context: tuple[tuple[str, str], ...] = ()
        if ":" in step:  # prefecture:boke — the region answered before
            step, region = step.split(":")
            context = (("region", region),)
        cases.append(Case(step, lang, text, expected, context))
    return cases


def read(case: Case) -> tuple[str, str]:
    """("asked" | "chose", what was understood: option keys and filled answers)."""
    state = case.state()
    turn = advance(ORIENTATION, state, case.text, lang=case.lang)
    if any(e.name == "input_rejected" for e in turn.events):
        return "asked", "ask"
    store = ORIENTATION.step(case.step).store
    keys: list[str] = []
    if store is None:
        keys = [EVENT_KEYS[e.name] for e in turn.events if e.name in EVENT_KEYS]
    else:
        value = state.answers.get(store, "")
        keys = [value] if isinstance(value, str) else list(value)
    fills = sorted(
        f"{e.field}={e.value}"
        for e in turn.events
        if e.name == "answer_saved" and e.field not in (store, *dict(case.context))
    )
    return "chose", ";".join([",".join(keys), *fills])


def _same(got: str, expected: str) -> bool:
    """Option keys compared as sets; fills (`;field=key`) compared only when expected."""
    got_keys, *got_fills = got.split(";")
    want_keys, *want_fills = expected.split(";")
    if set(got_keys.split(",")) != set(want_keys.split(",")):
        return False
    return sorted(got_fills) == sorted(want_fills) if want_fills else True


def score(case: Case) -> tuple[str, str]:
    """("right" | "asked" | "wrong", what was understood)."""
    outcome, got = read(case)
    alternatives = case.expected.split("|")
    if outcome == "asked":
        return ("right" if "ask" in alternatives else "asked"), got
    if any(_same(got, alt) for alt in alternatives if alt != "ask"):
        return "right", got
    return "wrong", got


CASES = load()


def _table(results: list[tuple[Case, str, str]]) -> str:
    by: dict[str, Counter[str]] = defaultdict(Counter)
    for case, outcome, _got in results:
        by[f"lang {case.lang}"][outcome] += 1
        by[f"step {case.step}"][outcome] += 1
        by["all"][outcome] += 1
    lines = [f"{'':<28} {'right':>6} {'asked':>6} {'wrong':>6} {'% right':>8}"]
    for name in sorted(by, key=lambda n: (n == "all", not n.startswith("lang"), n)):
        c = by[name]
        total = sum(c.values())
        lines.append(
            f"{name:<28} {c['right']:>6} {c['asked']:>6} {c['wrong']:>6} "
            f"{100 * c['right'] / total:>7.1f}%"
        )
    return "\n".join(lines)


def test_the_corpus_is_large_and_varied_enough() -> None:
    langs = Counter(c.lang for c in CASES)
    assert len(CASES) >= 300
    assert langs["fr"] >= len(CASES) / 2
    assert all(langs[lang] >= 30 for lang in ("ff", "emk", "sus", "en")), langs
    assert {c.step for c in CASES} >= {s.store or s.id for s in ORIENTATION.steps[1:-1]}


def test_free_answers_are_understood() -> None:
    results = [(case, *score(case)) for case in CASES]
    table = _table(results)
    print("\nFree answers (tests/flows/corpus/free_answers.tsv):\n" + table)
    asked = [f"  {c.step} [{c.lang}] {c.text!r}" for c, o, _ in results if o == "asked"]
    wrong = [
        f"  {c.step} [{c.lang}] {c.text!r}: {got} (expected {c.expected})"
        for c, o, got in results
        if o == "wrong"
    ]
    print("Asked again instead of understood:\n" + "\n".join(asked))
    print("Wrong:\n" + "\n".join(wrong))
    outcomes = Counter(o for _, o, _ in results)
    strict_wrong = [w for w in wrong if w.split()[0] in STRICT_STEPS]
    detail = f"\n{table}\nwrong:\n" + "\n".join(wrong)
    assert strict_wrong == [], detail
    assert outcomes["wrong"] <= 0.01 * len(results), detail
    assert outcomes["right"] >= 0.95 * len(results), detail


@pytest.mark.parametrize("step", STRICT_STEPS)
def test_consent_and_erasure_never_guess(step: str) -> None:
    for case in (c for c in CASES if c.step == step):
        outcome, got = score(case)
        assert outcome != "wrong", (case, got)
