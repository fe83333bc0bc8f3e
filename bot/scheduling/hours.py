"""Quiet hours and office hours, in the deployment's time zone.

Quiet hours: no message Orienta starts goes out between ORIENTA_QUIET_START and
ORIENTA_QUIET_END (21:00–07:00 Conakry time by default), to people or to partners' work
phones. Office hours (ORIENTA_OFFICE_HOURS): when staff read requests for help, which is
what a person asking for help is told.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.settings import Settings

__all__ = [
    "REMINDER_MARGIN",
    "is_quiet",
    "last_allowed_before",
    "next_allowed",
    "next_opening",
    "office_open",
]

REMINDER_MARGIN = timedelta(minutes=30)
"""A reminder comes at least this long before the appointment."""


def is_quiet(moment: datetime, settings: Settings) -> bool:
    local = moment.astimezone(settings.tz).time()
    start, end = settings.quiet_start, settings.quiet_end
    if start == end:
        return False
    if start > end:  # over midnight: 21:00–07:00
        return local >= start or local < end
    return start <= local < end


def next_allowed(moment: datetime, settings: Settings) -> datetime:
    """`moment`, or the end of the quiet hours it falls in."""
    if not is_quiet(moment, settings):
        return moment
    local = moment.astimezone(settings.tz)
    end = local.replace(
        hour=settings.quiet_end.hour, minute=settings.quiet_end.minute, second=0, microsecond=0
    )
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(moment.tzinfo)


def last_allowed_before(moment: datetime, settings: Settings) -> datetime:
    """`moment`, or just before the start of the quiet hours it falls in."""
    if not is_quiet(moment, settings):
        return moment
    local = moment.astimezone(settings.tz)
    start = local.replace(
        hour=settings.quiet_start.hour,
        minute=settings.quiet_start.minute,
        second=0,
        microsecond=0,
    )
    if start > local:
        start -= timedelta(days=1)
    return (start - REMINDER_MARGIN).astimezone(moment.tzinfo)


def office_open(moment: datetime, settings: Settings) -> bool:
    local = moment.astimezone(settings.tz)
    hours = settings.office_hours
    return local.weekday() in hours.days and hours.opens <= local.time() < hours.closes


def next_opening(moment: datetime, settings: Settings) -> datetime:
    """The next time the office opens after `moment` (`moment` itself if it is open)."""
    if office_open(moment, settings):
        return moment
    hours = settings.office_hours
    local = moment.astimezone(settings.tz)
    for days_ahead in range(8):
        day = local + timedelta(days=days_ahead)
        opening = day.replace(
            hour=hours.opens.hour, minute=hours.opens.minute, second=0, microsecond=0
        )
        if day.weekday() in hours.days and opening > local:
            return opening.astimezone(moment.tzinfo)
    raise AssertionError("office hours have at least one day")  # pragma: no cover
