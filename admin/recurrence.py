"""A slot rule as staff write it — a local day and time, repeated the same weekday for
some weeks — turned into the UTC moments the slots are stored at.

    weekly(date(2026, 11, 3), time(9, 0), weeks=6, tz=Conakry)  # six Tuesdays, 09:00

Each moment is the local wall-clock time of its own day (a change of daylight saving time
in between, where the zone has one, keeps 09:00 at 09:00). The admin alone needs it: the
bot only reads the slots made.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["MAX_WEEKS", "weekly"]

MAX_WEEKS = 52
"""A year of weekly sessions at most in one go."""


def weekly(first: date, at: time, *, weeks: int, tz: ZoneInfo) -> list[datetime]:
    """The start of each session in UTC: `first` at `at` local time, then the same
    weekday every week, `weeks` sessions in all (0 or 1: just the one)."""
    count = min(max(weeks, 1), MAX_WEEKS)
    return [
        datetime.combine(first + timedelta(weeks=n), at, tzinfo=tz).astimezone(UTC)
        for n in range(count)
    ]
