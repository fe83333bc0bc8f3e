"""The language catalogs: complete, compilable, placeholders intact, French per string as
the fallback, review status reported, and no stigmatising wording in French or English."""

from __future__ import annotations

import gettext
import io
import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from bot.engine.keywords import KEYWORD_WORDS, match_keyword
from bot.flows import ORIENTATION
from bot.flows.geo import REGIONS
from bot.flows.runner import label_text
from bot.flows.text import normalize
from bot.i18n.catalogs import (
    catalog_path,
    check_catalog,
    language_status,
    load_catalog,
    load_template,
    translated_languages,
)
from bot.i18n.languages import LOCALES_DIR, codes, languages, registered
from bot.i18n.po import compiled
from bot.i18n.translate import M, translate
from bot.stigma import find_stigmatising
from bot.types import Answers


@pytest.fixture
def locales(tmp_path: Path) -> Iterator[Path]:
    """A copy of bot/locales the test may break; the bot reads it instead of the real one."""
    copy = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, copy)
    with ExitStack() as stack:
        for lang in languages():
            stack.enter_context(registered(replace(lang, catalog_dir=copy)))
        yield copy


def rewrite(path: Path, change: dict[str, str | None]) -> None:
    """Set (or empty, with None) the translation of some message ids in the .po at `path`."""
    with path.open("rb") as f:
        catalog = read_po(f)
    for message in catalog:
        if message.context in change:
            message.string = change[message.context] or ""
    buffer = io.BytesIO()
    write_po(buffer, catalog, include_previous=True)
    path.write_bytes(buffer.getvalue())
    (path.with_suffix(".mo")).unlink(missing_ok=True)


@pytest.mark.parametrize("lang", translated_languages())
def test_every_catalog_has_every_message_and_compiles(lang: str) -> None:
    """What CI refuses: a catalog that does not compile, a missing French string, a
    translation whose placeholders differ from the source."""
    problems = check_catalog(lang, load_catalog(lang), load_template())
    assert [str(p) for p in problems] == []
    translations = gettext.GNUTranslations(io.BytesIO(compiled(load_catalog(lang))))
    consent = ORIENTATION.step("consent").prompt
    assert translations.pgettext(consent.id, consent.text) != consent.text


@pytest.mark.parametrize("lang", translated_languages())
def test_every_message_of_the_orientation_is_translated(lang: str) -> None:
    status = language_status(lang)
    assert status.translated == status.total, f"{lang}: {status}"
    for step in ORIENTATION.steps:
        assert translate(step.prompt, lang) != step.prompt.text, f"{lang}: {step.id}"


def test_unreviewed_translations_are_flagged_and_used() -> None:
    """No native speaker has checked these yet: all are fuzzy ('needs review'), and used."""
    for lang in translated_languages():
        status = language_status(lang)
        assert status.reviewed < status.translated
        catalog = load_catalog(lang)
        consent = next(m for m in catalog if m.context == "consent.ask")
        assert consent.fuzzy
        assert translate(M("consent.ask", consent.id), lang) == consent.string


def test_french_is_complete_and_reviewed_by_definition() -> None:
    status = language_status("fr")
    assert status.translated == status.reviewed == status.total > 100


def test_bad_placeholders_are_refused() -> None:
    template = load_template()
    catalog = Catalog(locale=None)
    for message in template:
        if message.id:
            catalog.add(message.id, "", context=message.context)
    catalog.get(
        "En cas d'urgence, appelez : {numbers}.", context="hotlines.list"
    ).string = "Call {numbres}."
    catalog.get("{label}: {value}", context="summary.line").string = "{label"
    problems = {p.message_id: p.problem for p in check_catalog("xx", catalog, template)}
    assert "numbres" in problems["hotlines.list"]
    assert "braces" in problems["summary.line"]
    assert set(problems) == {"hotlines.list", "summary.line"}


def test_a_missing_french_string_is_reported() -> None:
    template = load_template()
    catalog = Catalog(locale=None)
    for message in template:
        if message.id and message.context != "consent.ask":
            catalog.add(message.id, "", context=message.context)
    problems = check_catalog("xx", catalog, template)
    assert [(p.message_id, p.problem) for p in problems] == [
        ("consent.ask", "missing (run i18n-update)")
    ]


def test_missing_translation_falls_back_to_french_for_that_string_only(locales: Path) -> None:
    po = locales / "ff" / "LC_MESSAGES" / "orienta.po"
    rewrite(po, {"region.ask": None})
    region = ORIENTATION.step("region").prompt
    gender = ORIENTATION.step("gender").prompt
    assert translate(region, "ff") == region.text  # French, for this string
    assert translate(gender, "ff") != gender.text  # still Pular for the others


def test_an_edited_catalog_is_used_even_before_it_is_compiled(locales: Path) -> None:
    po = locales / "en" / "LC_MESSAGES" / "orienta.po"
    rewrite(po, {"age.ask": "How old are you, please?"})
    assert translate(ORIENTATION.step("age_band").prompt, "en") == "How old are you, please?"


def test_a_draft_of_an_older_french_text_is_not_sent(locales: Path) -> None:
    """When the French changes, `update` keeps the old translation as a fuzzy draft with
    the old source (#| msgid): it must not be sent, French is."""
    po = locales / "en" / "LC_MESSAGES" / "orienta.po"
    with po.open("rb") as f:
        catalog = read_po(f)
    message = next(m for m in catalog if m.context == "age.ask")
    message.flags.add("fuzzy")
    message.previous_id = ["Quel est votre âge ?"]
    buffer = io.BytesIO()
    write_po(buffer, catalog, include_previous=True)
    po.write_bytes(buffer.getvalue())
    po.with_suffix(".mo").unlink(missing_ok=True)
    assert translate(ORIENTATION.step("age_band").prompt, "en") == "Quel âge avez-vous ?"
    assert translate(ORIENTATION.step("gender").prompt, "en") != "Vous êtes…"


def test_broken_placeholders_in_an_edited_catalog_fall_back_instead_of_crashing(
    locales: Path,
) -> None:
    po = locales / "en" / "LC_MESSAGES" / "orienta.po"
    rewrite(po, {"hotlines.list": "Call {telephone}."})
    hotlines = M("hotlines.list", "En cas d'urgence, appelez : {numbers}.")
    assert translate(hotlines, "en", numbers="116") == "En cas d'urgence, appelez : 116."


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_french_or_english_string_stigmatises(lang: str) -> None:
    """Every French source and every English translation, against stigma.md's list
    (inflected and unaccented forms included)."""
    texts = (
        [str(m.id) for m in load_template() if m.id]
        if lang == "fr"
        else [str(m.string) for m in load_catalog("en") if m.id]
    )
    found = {text: [f.term for f in find_stigmatising(text)] for text in texts}
    assert {t: terms for t, terms in found.items() if terms} == {}


def test_catalog_files_exist_for_every_language() -> None:
    assert set(translated_languages()) == set(codes()) - {"fr"}
    for lang in translated_languages():
        assert catalog_path(lang).exists()


CORE_KEYWORDS = ("stop", "help", "menu", "language", "erase")


@pytest.mark.parametrize("lang", translated_languages())
def test_keywords_work_in_every_language(lang: str) -> None:
    """Each language adds its own words for stop, help, menu, language and erase, and each
    of them is recognised, alone, in any case."""
    for keyword in CORE_KEYWORDS:
        msg = KEYWORD_WORDS[keyword]
        own = [w.strip() for w in translate(msg, lang).split(",") if w.strip()]
        french = {normalize(w) for w in msg.text.split(",")}
        local = [w for w in own if normalize(w) not in french]
        assert local, f"{lang}: no words of its own for {keyword}"
        for word in local:
            assert match_keyword(word) == keyword, f"{lang}: {word!r}"
            assert match_keyword(word.lower()) == keyword


def test_no_answer_in_any_language_is_taken_for_a_keyword() -> None:
    """A person typing an option's label (in any language: labels are matched in the
    person's language and in French) must be answering, not triggering STOP or MENU."""
    steps = (*ORIENTATION.steps, *ORIENTATION.detached)
    clashes = []
    for lang in codes():
        answers: Answers = {}
        for region in REGIONS:
            answers = {"region": region.key}
            for option in ORIENTATION.step("prefecture").options_for(answers):
                if match_keyword(label_text(option, lang)):
                    clashes.append((lang, "prefecture", label_text(option, lang)))
        for step in steps:
            for option in step.options_for({}):
                label = label_text(option, lang)
                if match_keyword(label):
                    clashes.append((lang, step.id, label))
    assert clashes == []


@pytest.mark.parametrize("lang", translated_languages())
def test_no_draft_loses_the_french_text_it_was_written_for(lang: str) -> None:
    """A draft of an earlier French text is left out of the bot (stale) only while its
    `#| msgid` line names that text; mangled into a plain comment (`# | msgid`, as a
    round trip through Babel once did), the old draft would be sent as if current."""
    text = catalog_path(lang).read_text(encoding="utf-8")
    mangled = [line for line in text.splitlines() if line.startswith("# | msgid")]
    assert not mangled, f"{lang}: {len(mangled)} previous texts turned into comments"
