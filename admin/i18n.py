"""The admin's own languages: French (the source, written in the code and templates) and
English (admin/locales/en/LC_MESSAGES/admin.po), in the gettext domain `admin`, apart
from the bot's catalogs. Dates and numbers in Conakry time, by Babel.

The language of a request is chosen from the browser's Accept-Language (French unless it
prefers English) and held in a context variable for the request's duration; `lazy`
texts are translated when they are shown.

    make i18n-admin      # extract admin texts into admin/locales/admin.pot, merge into en
"""

from __future__ import annotations

import functools
import gettext
import io
import re
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime as babel_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import LazyProxy

__all__ = [
    "LANGUAGES",
    "choose_language",
    "current_language",
    "format_number",
    "format_when",
    "gettext_",
    "lazy",
    "ngettext_",
    "set_language",
]

LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGES = ("fr", "en")
CLDR = {"fr": "fr_GN", "en": "en"}

_language: ContextVar[str] = ContextVar("admin_language", default="fr")


@functools.cache
def _translations(language: str) -> gettext.NullTranslations:
    """French is the source; another language's catalog is read from its .po (compiled in
    memory: no .mo to build or forget). Fuzzy drafts are left out, as for the bot."""
    po = LOCALES_DIR / language / "LC_MESSAGES" / "admin.po"
    if language == "fr" or not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def choose_language(accept_language: str) -> str:
    """English if the browser prefers it to French, French otherwise."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept_language.split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        ranked.append((-quality, position, tag.strip().lower()[:2]))
    for _, _, code in sorted(ranked):
        if code in LANGUAGES:
            return code
    return "fr"


def set_language(language: str) -> None:
    _language.set(language if language in LANGUAGES else "fr")


def current_language() -> str:
    return _language.get()


_SPACE_BEFORE = re.compile(r" ([;?!])")
_NBSP_BEFORE = re.compile(r" ([:»])")


def french_spacing(text: str) -> str:
    """French typography: no line may start with « ; », « : », « ? », « ! » or « » »
    nor end with « « »: the spaces around them do not break (narrow before ; ? !)."""
    text = _SPACE_BEFORE.sub("\u202f\\1", text)
    return _NBSP_BEFORE.sub("\u00a0\\1", text).replace("« ", "«\u00a0")


def gettext_(message: str) -> str:
    language = _language.get()
    if language == "fr":
        return french_spacing(message)
    return _translations(language).gettext(message)


def ngettext_(singular: str, plural: str, n: int) -> str:
    language = _language.get()
    if language == "fr":  # the source: French counts 0 and 1 as singular (gettext's
        return french_spacing(singular if n <= 1 else plural)  # default rule is English's)
    return _translations(language).ngettext(singular, plural, n)


def lazy(message: str) -> LazyProxy:
    """A text translated when shown (module constants, form labels)."""
    return LazyProxy(gettext_, message, enable_cache=False)


def format_when(moment: datetime | None, tz: ZoneInfo, *, with_time: bool = True) -> str:
    """A UTC moment as staff read it, in local time: « 2 déc. 2026 09:30 »."""
    if moment is None:
        return "—"
    pattern = "d MMM y HH:mm" if with_time else "EEE d MMM y"
    return babel_datetime(moment, pattern, tzinfo=tz, locale=Locale.parse(CLDR[_language.get()]))


def format_number(value: int | float) -> str:
    return format_decimal(value, locale=Locale.parse(CLDR[_language.get()]))
