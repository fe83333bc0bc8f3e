"""A language added with only its catalog and its record: "Testish" (tst), whose catalog
the test writes in a folder of its own and whose record is one `registered(...)`. The
language menu offers it, its words are used (falling back to French, string by string),
its keywords work, and its dates and numbers follow its CLDR locale."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from bot.app import Orienta
from bot.engine.keywords import match_keyword
from bot.i18n.catalogs import language_status
from bot.i18n.formatting import format_datetime, format_number
from bot.i18n.languages import Language, codes, registered
from bot.messaging import Inbound

PHONE = "+224000000601"  # fictitious
TRANSLATIONS = {  # message id → Testish; every other message stays French
    "consent.ask": "Testish: Orienta helps. Do you agree?",
    "consent.yes": "Ja",
    "keyword.stop": "HALTU",
    "region.ask": "Testish: which region?",
}


def write_catalog(root: Path) -> None:
    from bot.i18n.catalogs import load_template

    template = {m.context: str(m.id) for m in load_template() if m.id}
    catalog = Catalog(locale=None, domain="orienta")
    for context, text in TRANSLATIONS.items():
        catalog.add(template[context], text, context=context)
    buffer = io.BytesIO()
    write_po(buffer, catalog)
    po = root / "tst" / "LC_MESSAGES" / "orienta.po"
    po.parent.mkdir(parents=True)
    po.write_bytes(buffer.getvalue())


@pytest.fixture
def testish(tmp_path: Path) -> Iterator[Language]:
    write_catalog(tmp_path)
    record = Language("tst", "Testish", "pt_GW", ("testish", "tst"), catalog_dir=tmp_path)
    with registered(record) as language:
        yield language
    assert "tst" not in codes()


def say(orienta: Orienta, text: str) -> str:
    replies = orienta.engine.handle(Inbound("sms", PHONE, text))
    return "\n\n".join(
        r.text + "".join(f"\n{c.number} {c.label}" for c in r.choices) for r in replies
    )


def test_a_registered_language_is_offered_and_spoken(testish: Language, orienta: Orienta) -> None:
    menu = say(orienta, "bonjour")
    assert f"\n{len(codes())} Testish" in menu
    assert "Testish: Orienta helps. Do you agree?" in say(orienta, "testish")
    assert "Testish: which region?" in say(orienta, "ja")  # its own word for yes
    # A message it does not translate is sent in French, alone.
    assert "Dans quelle préfecture ou commune ?" in say(orienta, "3")


def test_its_keywords_work_alone_and_others_still_do(testish: Language, orienta: Orienta) -> None:
    assert match_keyword("haltu") == "stop"
    assert match_keyword("STOP") == "stop"
    say(orienta, "bonjour")
    say(orienta, "testish")
    assert "ne recevrez plus de messages" in say(orienta, "Haltu !")


def test_its_dates_and_numbers_follow_its_locale(testish: Language) -> None:
    moment = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    tz = UTC
    assert "dezembro" in format_datetime(moment, "tst", tz)
    assert format_datetime(moment, "tst", tz) != format_datetime(moment, "fr", tz)
    assert format_number(12500, "tst") == "12\u00a0500"


def test_the_catalog_tools_see_it(testish: Language) -> None:
    status = language_status("tst")
    assert status.translated == len(TRANSLATIONS)
    assert status.reviewed == len(TRANSLATIONS)  # none marked fuzzy
