"""The catalog tools: update each language's catalog from the template, check it,
compile it, and report how much is translated and reviewed (`orienta i18n …`).

French is the source: every `M("id", "texte")` is extracted into bot/locales/orienta.pot
(`make i18n-extract`). Each other language has its catalog where its record says
(bot/i18n/languages.py), `<code>/LC_MESSAGES/orienta.po`; how review works: bot/i18n/po.py.
Languages without CLDR data (Maninka, `emk`) are handled as plain identifiers.
"""

from __future__ import annotations

import io
import string
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from bot.i18n.languages import DEFAULT_LANGUAGE, DOMAIN, LOCALES_DIR, codes, language
from bot.i18n.po import compiled, is_used, read_catalog

__all__ = [
    "CatalogProblem",
    "LanguageStatus",
    "catalog_path",
    "check_catalog",
    "compile_catalogs",
    "language_status",
    "load_catalog",
    "load_template",
    "placeholders",
    "template_path",
    "translated_languages",
    "update_catalogs",
]


def template_path() -> Path:
    """bot/locales/orienta.pot: every message in French, as extracted from the code."""
    return LOCALES_DIR / f"{DOMAIN}.pot"


def translated_languages() -> tuple[str, ...]:
    """Every language but the source, French."""
    return tuple(code for code in codes() if code != DEFAULT_LANGUAGE)


def catalog_path(lang: str, suffix: str = ".po") -> Path:
    found = language(lang)
    if found is None:
        return LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}{suffix}"
    return found.catalog(suffix)


def load_template() -> Catalog:
    with template_path().open("rb") as f:
        return read_po(f)


def load_catalog(lang: str) -> Catalog:
    return read_catalog(catalog_path(lang))


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def placeholders(text: str) -> set[str]:
    """The `{name}` fields of a str.format text (`{{` is a literal brace)."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


@dataclass(frozen=True)
class CatalogProblem:
    lang: str
    message_id: str
    problem: str

    def __str__(self) -> str:
        return f"{self.lang}: [{self.message_id}] {self.problem}"


def check_catalog(lang: str, catalog: Catalog, template: Catalog) -> list[CatalogProblem]:
    """Everything that would make a translation wrong to send."""
    problems: list[CatalogProblem] = []
    source = {(m.context, _text(m.id)) for m in template if m.id}
    for message in catalog:
        if not message.id:
            continue
        context = message.context or "?"
        translation = _text(message.string)
        if (message.context, _text(message.id)) not in source:
            problems.append(CatalogProblem(lang, context, "not in the template (run i18n-update)"))
            continue
        if not translation.strip():
            continue
        try:
            found = placeholders(translation)
        except ValueError as exc:
            problems.append(CatalogProblem(lang, context, f"unreadable braces: {exc}"))
            continue
        expected = placeholders(_text(message.id))
        if found != expected:
            problems.append(
                CatalogProblem(
                    lang,
                    context,
                    f"placeholders {sorted(found)} differ from the French {sorted(expected)}",
                )
            )
    for message_id in sorted({c or "?" for c, _ in source} - {m.context or "?" for m in catalog}):
        problems.append(CatalogProblem(lang, message_id, "missing (run i18n-update)"))
    return problems


def update_catalogs(languages: tuple[str, ...] | None = None) -> list[Path]:
    """Merge the template into each language's catalog (creating it if needed)."""
    template = load_template()
    written = []
    for lang in languages or translated_languages():
        path = catalog_path(lang)
        if path.exists():
            catalog = load_catalog(lang)
        else:
            catalog = Catalog(
                locale=lang,
                domain=DOMAIN,
                project="Orienta",
                msgid_bugs_address="traduction@orienta.invalid",
                copyright_holder="Orienta",
                creation_date=datetime.now(UTC),
            )
        catalog.update(template, update_header_comment=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        write_po(buffer, catalog, width=100, include_previous=True, ignore_obsolete=False)
        path.write_bytes(buffer.getvalue())
        written.append(path)
    return written


def compile_catalogs(languages: tuple[str, ...] | None = None) -> list[CatalogProblem]:
    """Check each catalog and write its .mo. Returns the problems; a catalog with problems
    is not compiled."""
    template = load_template()
    problems: list[CatalogProblem] = []
    for lang in languages or translated_languages():
        if not catalog_path(lang).exists():
            continue
        catalog = load_catalog(lang)
        found = check_catalog(lang, catalog, template)
        problems += found
        if not found:
            catalog_path(lang, ".mo").write_bytes(compiled(catalog))
    return problems


@dataclass(frozen=True)
class LanguageStatus:
    lang: str
    total: int
    translated: int
    reviewed: int
    recorded: int | None = None

    @staticmethod
    def percent(part: int, total: int) -> float:
        return 100.0 * part / total if total else 0.0


def language_status(lang: str, template: Catalog | None = None) -> LanguageStatus:
    """How much of `lang` is translated and reviewed (French, the source, is complete)."""
    template = template or load_template()
    ids = {m.context for m in template if m.id}
    if lang == DEFAULT_LANGUAGE:
        return LanguageStatus(lang, len(ids), len(ids), len(ids))
    if not catalog_path(lang).exists():
        return LanguageStatus(lang, len(ids), 0, 0)
    catalog = load_catalog(lang)
    used = [m for m in catalog if m.id and m.context in ids and is_used(m)]
    reviewed = [m for m in used if not m.fuzzy]
    return LanguageStatus(lang, len(ids), len(used), len(reviewed))
