"""User-facing text: message ids, French source strings and gettext catalogs.

Every sentence a person reads is declared with `M("stable.id", "Texte français")`.
The id is the gettext context (msgctxt) and the key for voice recordings; the French
text is the msgid translators work from. Babel extracts them with the keyword `M:1c,2`.
A string missing from a language's catalog falls back to French, string by string.
"""

from __future__ import annotations

import gettext
import io
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bot.i18n.languages import DEFAULT_LANGUAGE, language
from bot.i18n.po import compiled, read_catalog

__all__ = ["M", "Msg", "has_catalog", "translate"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Msg:
    id: str
    text: str

    def __str__(self) -> str:  # pragma: no cover - debugging aid only
        return self.id


def M(id: str, text: str) -> Msg:
    return Msg(id, text)


@cache
def _catalog_at(po: Path) -> gettext.NullTranslations:
    mo = po.with_suffix(".mo")
    if po.exists() and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
        # Not compiled by the build (or edited since): compile it in memory, so a deploy
        # never speaks from a stale catalog.
        return gettext.GNUTranslations(io.BytesIO(compiled(read_catalog(po))))
    if mo.exists():
        with mo.open("rb") as f:
            return gettext.GNUTranslations(f)
    return gettext.NullTranslations()


def _catalog(lang: str) -> gettext.NullTranslations:
    found = language(lang)
    if found is None:
        return gettext.NullTranslations()
    return _catalog_at(found.catalog())


def has_catalog(lang: str) -> bool:
    """True when a catalog exists for `lang` (French, the source, always has one)."""
    return lang == DEFAULT_LANGUAGE or type(_catalog(lang)) is not gettext.NullTranslations


def translate(msg: Msg, lang: str | None, **params: Any) -> str:
    """`msg` in `lang` (French when the language or this string has no translation)."""
    text = msg.text
    if lang and lang != DEFAULT_LANGUAGE:
        text = _catalog(lang).pgettext(msg.id, msg.text)
    if not params:
        return text
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        # A translation with broken placeholders (the build rejects those; this is for a
        # catalog edited in place): French for this string, never a crash.
        log.warning("translation with bad placeholders", extra={"id": msg.id, "lang": lang})
        return msg.text.format(**params)
