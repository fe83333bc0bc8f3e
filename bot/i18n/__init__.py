"""Languages, translation catalogs and formatting: everything a language needs.

languages.py   one record per language (code, name, CLDR locale, catalog), the registry
translate.py   M("id", "texte français") and translate(): gettext with French fallback
po.py          reading a .po catalog and compiling it (for translate and the tools)
catalogs.py    the catalog tools: update from the template, check, compile, status
formatting.py  dates, times and numbers per language (Babel CLDR, Conakry time)
"""

from __future__ import annotations

from bot.i18n.languages import DEFAULT_LANGUAGE, Language, language_name, languages
from bot.i18n.translate import M, Msg, has_catalog, translate

__all__ = [
    "DEFAULT_LANGUAGE",
    "Language",
    "M",
    "Msg",
    "has_catalog",
    "language_name",
    "languages",
    "translate",
]
