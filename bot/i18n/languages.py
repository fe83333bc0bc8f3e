"""The languages Orienta speaks: one record per language, in one registry.

A language is its code (the catalog's folder, stored on each person), its name written in
that language (the language menu), the CLDR locale its dates and numbers are written in,
what people type to choose it, and where its catalog is. Its words, keywords included,
are in the catalog (`<catalog_dir>/<code>/LC_MESSAGES/orienta.po`).

Adding a language is a catalog and one `register(Language(...))`: the language menu,
the keywords, formatting and the catalog tools all read this registry.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "DEFAULT_LANGUAGE",
    "DOMAIN",
    "LOCALES_DIR",
    "Language",
    "codes",
    "language",
    "language_name",
    "languages",
    "register",
    "registered",
    "version",
]

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "orienta"
DEFAULT_LANGUAGE = "fr"
"""The source language: every message is written in French first."""


@dataclass(frozen=True)
class Language:
    code: str
    """ISO 639 code, e.g. "ff": the catalog's folder, and what is stored on a person."""
    name: str
    """The language's name in itself, as the language menu shows it ("Pular")."""
    locale: str
    """The CLDR locale dates and numbers are written in ("ff_Latn_GN"). A language CLDR
    does not cover borrows the one its speakers read at school (Maninka: fr_GN)."""
    synonyms: tuple[str, ...] = ()
    """What people type to choose it in the language menu, besides its number and name."""
    catalog_dir: Path = field(default=LOCALES_DIR, compare=False)
    """Where `<code>/LC_MESSAGES/orienta.po` lives (a language shipped apart brings its own)."""

    def catalog(self, suffix: str = ".po") -> Path:
        return self.catalog_dir / self.code / "LC_MESSAGES" / f"{DOMAIN}{suffix}"


_REGISTRY: dict[str, Language] = {}
_version = 0


def register(language: Language) -> Language:
    """Add `language` (or replace the one with its code); the menu lists it last."""
    global _version
    _REGISTRY[language.code] = language
    _version += 1
    return language


@contextmanager
def registered(language: Language) -> Iterator[Language]:
    """`language` registered for the duration of a block (tests, tools)."""
    previous = _REGISTRY.get(language.code)
    register(language)
    try:
        yield language
    finally:
        global _version
        if previous is None:
            del _REGISTRY[language.code]
        else:
            _REGISTRY[language.code] = previous
        _version += 1


def version() -> int:
    """Changes whenever the registry does: caches built from it key on this."""
    return _version


def languages() -> tuple[Language, ...]:
    """Every language, in menu order."""
    return tuple(_REGISTRY.values())


def codes() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def language(code: str | None) -> Language | None:
    return _REGISTRY.get(code or "")


def language_name(code: str | None) -> str:
    """The language's name in itself; the code when it is not (or no longer) known."""
    found = language(code)
    return found.name if found is not None else str(code)


register(Language("fr", "Français", "fr_GN", ("francais", "french", "fr")))
register(
    Language("ff", "Pular", "ff_Latn_GN", ("pular", "poular", "pulaar", "peul", "fulfulde", "ff"))
)
register(Language("emk", "Maninka", "fr_GN", ("maninka", "maninkakan", "malinke", "emk")))
register(Language("sus", "Sosoxui", "sus_GN", ("susu", "soussou", "sosso", "sosoxui", "sus")))
register(Language("en", "English", "en_001", ("english", "anglais", "en")))
