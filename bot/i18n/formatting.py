"""Dates, times and numbers as each person reads them (Babel, CLDR).

Times are shown in the deployment's time zone (ORIENTA_TIMEZONE, Africa/Conakry by
default) with the CLDR locale of the person's language, from its record
(bot/i18n/languages.py): `fr_GN`, `ff_Latn_GN`, `sus_GN` (CLDR 46, Babel ≥ 2.19),
`en_001`. Maninka has no CLDR data: it borrows `fr_GN`, the conventions people in Upper
Guinea read at school and in the administration.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from bot.i18n.languages import language

__all__ = [
    "format_date",
    "format_datetime",
    "format_number",
    "format_time",
    "locale_for",
]

FALLBACK_LOCALE = "fr_GN"

Width = Literal["short", "medium", "long", "full"]


def locale_for(lang: str | None) -> Locale:
    """The CLDR locale of an Orienta language; French (Guinea) when CLDR has none."""
    found = language(lang)
    return _parse(found.locale if found is not None else FALLBACK_LOCALE)


@cache
def _parse(name: str) -> Locale:
    try:
        return Locale.parse(name)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(FALLBACK_LOCALE)


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: Orienta stores times in UTC with their time zone")
    return moment.astimezone(tz)


def format_date(day: date | datetime, lang: str | None, tz: ZoneInfo, width: Width = "full") -> str:
    """`mardi 1 décembre 2026` (a datetime is first moved to `tz`)."""
    if isinstance(day, datetime):
        day = _local(day, tz).date()
    return babel_dates.format_date(day, format=width, locale=locale_for(lang))


def format_time(moment: datetime, lang: str | None, tz: ZoneInfo) -> str:
    """`09:30` in `tz`."""
    return babel_dates.format_time(_local(moment, tz), format="short", locale=locale_for(lang))


def format_datetime(moment: datetime, lang: str | None, tz: ZoneInfo) -> str:
    """Day and time in `tz`, e.g. `mardi 1 décembre 2026 à 09:30`."""
    local = _local(moment, tz)
    locale = locale_for(lang)
    pattern = locale.datetime_formats["full"]
    day = babel_dates.format_date(local.date(), format="full", locale=locale)
    time = babel_dates.format_time(local, format="short", locale=locale)
    glue = re.sub(r"'([^']*)'", r"\1", str(pattern))  # "{1} 'à' {0}" → "{1} à {0}"
    return glue.replace("{1}", day).replace("{0}", time)


def format_number(value: int | float | Decimal, lang: str | None) -> str:
    """`12 500` (fr_GN), `12,500` (en_001)."""
    return babel_numbers.format_decimal(value, locale=locale_for(lang))
