"""The admin speaks French, and English to a browser that prefers it: every text of the
code and templates is in the English catalog, translated, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from admin.i18n import choose_language
from tests.admin.support import AdminClient

ADMIN = Path(__file__).resolve().parents[2] / "admin"
KEYWORDS = {"lazy": None, "gettext_": None, "ngettext_": (1, 2), "_": None, "ngettext": (1, 2)}
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def _texts_in_the_code() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ADMIN), METHODS, keywords=KEYWORDS, options_map=OPTIONS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_admin_text_has_its_english_translation() -> None:
    with (ADMIN / "locales" / "en" / "LC_MESSAGES" / "admin.po").open("rb") as f:
        catalog = read_po(f, locale="en")
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]: m.string
        for m in catalog
        if m.id and m.string and not m.fuzzy
    }
    missing = sorted(_texts_in_the_code() - set(translated))
    assert missing == [], "run `make i18n-admin` and translate these in admin/locales/en"
    for source, english in translated.items():
        text = english if isinstance(english, str) else english[0]
        placeholders = sorted(re.findall(r"%\((\w+)\)[sd]", source))
        assert sorted(re.findall(r"%\((\w+)\)[sd]", text)) == placeholders, source


def test_the_language_follows_the_browser() -> None:
    assert choose_language("en-GB,en;q=0.9,fr;q=0.5") == "en"
    assert choose_language("fr-GN,fr;q=0.9,en;q=0.8") == "fr"
    assert choose_language("ff,sus;q=0.8") == "fr"
    assert choose_language("") == "fr"
    assert choose_language("en;q=bad,fr") == "fr"


def test_a_browser_that_prefers_english_gets_the_admin_in_english(client: AdminClient) -> None:
    page = client.get("/admin/login", headers={"accept-language": "en"})
    assert '<html lang="en">' in page.text and "Sign in" in page.text
    french = client.get("/admin/login")
    assert '<html lang="fr">' in french.text and "Se connecter" in french.text


def test_french_counts_zero_as_singular() -> None:
    from admin.i18n import ngettext_, set_language

    set_language("fr")
    assert ngettext_("%(n)s signalement", "%(n)s signalements", 0) == "%(n)s signalement"
    assert ngettext_("%(n)s signalement", "%(n)s signalements", 2) == "%(n)s signalements"
