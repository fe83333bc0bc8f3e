"""Dates, times and numbers in the person's language, in Conakry time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.i18n.formatting import format_date, format_datetime, format_number, format_time, locale_for

CONAKRY = ZoneInfo("Africa/Conakry")
# 23:30 UTC on 30 November is still 30 November in Conakry (UTC+0) but already
# 1 December in Paris: the time zone, not the server's, decides the day shown.
LATE = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("lang", "locale"),
    [("fr", "fr_GN"), ("ff", "ff_Latn_GN"), ("sus", "sus_GN"), ("en", "en_001"), ("emk", "fr_GN")],
)
def test_each_language_has_its_locale_and_maninka_borrows_french(lang: str, locale: str) -> None:
    assert str(locale_for(lang)) == locale


def test_unknown_or_missing_language_reads_french() -> None:
    assert str(locale_for("xx")) == "fr_GN"
    assert str(locale_for(None)) == "fr_GN"


def test_dates_are_written_in_the_persons_language() -> None:
    day = date(2026, 12, 1)
    assert format_date(day, "fr", CONAKRY) == "mardi 1 décembre 2026"
    assert format_date(day, "en", CONAKRY) == "Tuesday, 1 December 2026"
    assert "bowte" in format_date(day, "ff", CONAKRY)  # December in Pular
    assert "Ferefuna" in format_date(day, "sus", CONAKRY)  # December in Susu
    assert format_date(day, "emk", CONAKRY) == format_date(day, "fr", CONAKRY)


def test_times_are_shown_in_conakry_time_whatever_the_input_zone() -> None:
    paris = LATE.astimezone(timezone(timedelta(hours=1)))
    assert format_time(paris, "fr", CONAKRY) == "23:30"
    assert format_date(paris, "fr", CONAKRY, "medium") == "30 nov. 2026"
    assert format_datetime(LATE, "fr", CONAKRY) == "lundi 30 novembre 2026, 23:30"
    assert format_datetime(LATE, "ff", CONAKRY) == "aaɓnde 30 jolal 2026 23:30"
    assert format_time(LATE, "en", CONAKRY) == "11:30\u202fpm"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        format_time(datetime(2026, 12, 1, 9, 30), "fr", CONAKRY)


def test_numbers_follow_the_locale() -> None:
    assert format_number(12500, "fr").replace("\u202f", " ").replace("\xa0", " ") == "12 500"
    assert format_number(12500, "en") == "12,500"
    assert format_number(12500, "emk") == format_number(12500, "fr")
