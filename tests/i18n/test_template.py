"""The translation template: up to date, unambiguous ids, valid placeholders, whole flow.

Every `M("id", "texte")` under bot/ is extracted the way `make i18n-extract` does it and
compared with the committed bot/locales/orienta.pot; every message the orientation flow
can send must be in it, so that translators see the whole conversation.
"""

from __future__ import annotations

import string
from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po

import bot.booking.desk
import bot.engine.keywords
import bot.engine.messages
import bot.flows.runner
from bot.flows import ORIENTATION
from bot.flows.model import Flow, Option, Step
from bot.i18n.translate import Msg
from bot.types import Answers

ROOT = Path(__file__).resolve().parents[2]
BABEL_CFG = ROOT / "babel.cfg"
SOURCES = ROOT / "bot"
TEMPLATE = ROOT / "bot" / "locales" / "orienta.pot"
KEYWORDS = parse_keywords(["M:1c,2"])  # as in the Makefile: -k M:1c,2 --no-default-keywords

# Modules whose constants are sent to people besides the flow's own steps.
MESSAGE_MODULES: tuple[ModuleType, ...] = (
    bot.flows.runner,
    bot.engine.messages,
    bot.engine.keywords,
    bot.booking.desk,
)

Extracted = tuple[str, int, str | None, str]  # file, line, msgctxt, msgid


@cache
def extracted() -> tuple[Extracted, ...]:
    """Every `M(...)` call under bot/, as `make i18n-extract` sees it."""
    with BABEL_CFG.open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, filename=str(BABEL_CFG))
    found: list[Extracted] = []
    for filename, lineno, message, _comments, context in extract_from_dir(
        SOURCES, method_map, options_map, keywords=KEYWORDS
    ):
        assert isinstance(message, str), f"bot/{filename}:{lineno}: M() needs one text"
        found.append((f"bot/{filename}", lineno, context, message))
    return tuple(found)


def template_pairs() -> set[tuple[str | None, str]]:
    with TEMPLATE.open("rb") as pot:
        catalog = read_po(pot)
    return {(m.context, str(m.id)) for m in catalog if m.id}


def test_extraction_finds_the_messages() -> None:
    files = {file for file, *_ in extracted()}
    assert {"bot/flows/orientation.py", "bot/flows/runner.py", "bot/engine/messages.py"} <= files
    assert len(extracted()) > 100


def test_template_is_up_to_date() -> None:
    in_code = {(context, text) for _, _, context, text in extracted()}
    in_template = template_pairs()
    missing = sorted(in_code - in_template, key=str)
    stale = sorted(in_template - in_code, key=str)
    lines = [f"  missing from the pot: [{c}] {t!r}" for c, t in missing]
    lines += [f"  no longer in the code: [{c}] {t!r}" for c, t in stale]
    assert not lines, (
        f"{TEMPLATE.relative_to(ROOT)} is out of date; run `make i18n-extract`.\n"
        + "\n".join(lines)
    )


def test_every_message_has_a_literal_id() -> None:
    nameless = [
        f"{file}:{line} {text!r}" for file, line, context, text in extracted() if not context
    ]
    assert not nameless, "M() needs a string literal id (the msgctxt):\n" + "\n".join(nameless)


def test_each_id_has_one_text() -> None:
    texts: dict[str, set[str]] = defaultdict(set)
    places: dict[str, list[str]] = defaultdict(list)
    for file, line, context, text in extracted():
        if context:
            texts[context].add(text)
            places[context].append(f"{file}:{line}")
    reused = {c: t for c, t in texts.items() if len(t) > 1}
    assert not reused, "Ids used for several texts (give each text its own id):\n" + "\n".join(
        f"  {c} at {', '.join(places[c])}: {sorted(t)}" for c, t in sorted(reused.items())
    )


def placeholder_problem(text: str) -> str | None:
    """Why `text` cannot be filled with `str.format(**params)`, or None when it can."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as error:
        return f"stray brace ({error})"
    bad = [name for name in fields if not name.isidentifier()]
    return f"placeholders must be {{name}}, not {bad}" if bad else None


def test_placeholder_check_catches_stray_braces() -> None:
    assert placeholder_problem("Choisissez entre 1 et {count}.") is None
    assert placeholder_problem("{label} : {value}") is None
    assert placeholder_problem("Appelez {numbers") is not None
    assert placeholder_problem("Un } seul") is not None
    assert placeholder_problem("Vide {}") is not None
    assert placeholder_problem("Position {0}") is not None


def test_placeholders_are_format_fields() -> None:
    problems = [
        f"  [{context}] {text!r}: {problem}"
        for _, _, context, text in extracted()
        if (problem := placeholder_problem(text))
    ]
    assert not problems, "Malformed placeholders:\n" + "\n".join(problems)


# -- the whole orientation flow is translatable -------------------------------------------


def _sample_answers(flow: Flow) -> list[Answers]:
    """No answers, then each single answer a fixed option can give (for dynamic options)."""
    samples: list[Answers] = [{}]
    for step in (*flow.steps, *flow.detached):
        if step.store and not callable(step.options):
            samples += [{step.store: option.key} for option in step.options]
    return samples


def _options(flow: Flow, step: Step) -> Iterator[Option]:
    if not callable(step.options):
        yield from step.options
        return
    for answers in _sample_answers(flow):
        yield from step.options(answers)


def flow_messages(flow: Flow) -> Iterator[tuple[str, Msg | str]]:
    """(where, text) for every prompt, hint, option label and summary label of `flow`."""
    for step in (*flow.steps, *flow.detached):
        yield f"step {step.id!r} prompt", step.prompt
        if step.hint is not None:
            yield f"step {step.id!r} hint", step.hint
        if step.summary is not None:
            yield f"step {step.id!r} summary label", step.summary
        for option in _options(flow, step):
            yield f"step {step.id!r} option {option.key!r}", option.label


def module_messages(module: ModuleType) -> Iterator[tuple[str, Msg]]:
    """(where, msg) for every module-level Msg of `module`, alone or in a dict or tuple."""
    for name, value in vars(module).items():
        if isinstance(value, dict):
            value = tuple(value.values())
        for item in value if isinstance(value, tuple | list) else (value,):
            if isinstance(item, Msg):
                yield f"{module.__name__}.{name}", item


def sent_messages() -> list[tuple[str, Msg | str]]:
    found: list[tuple[str, Msg | str]] = list(flow_messages(ORIENTATION))
    for module in MESSAGE_MODULES:
        found += module_messages(module)
    return found


def test_flow_reaches_dynamic_options() -> None:
    labels = {label for _, label in flow_messages(ORIENTATION)}
    assert "Kaloum" in labels  # a prefecture, offered once a region is chosen
    assert "Pular" in labels  # a language, named in itself


def test_whole_flow_is_in_the_template() -> None:
    in_template = template_pairs()
    messages = [(where, m) for where, m in sent_messages() if isinstance(m, Msg)]
    assert len(messages) > 100
    absent = [
        f"  {where}: [{m.id}] {m.text!r}"
        for where, m in messages
        if (m.id, m.text) not in in_template
    ]
    assert not absent, (
        "Messages the bot sends but translators never see (declare them with "
        'M("id", "texte") literals, then run `make i18n-extract`):\n' + "\n".join(absent)
    )
