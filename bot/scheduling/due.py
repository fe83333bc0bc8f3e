"""What must happen later is a row with a due time (`scheduled_jobs`), written by
whichever process decides it, in its own transaction: reminders before a booked slot and
the follow-up the day after. (The nudge after an abandoned orientation needs no row: the
scheduler finds such conversations by their last update, see bot/jobs.py.)

The worker's scheduler (bot/scheduling/jobs.py) turns due rows into outbox rows. Due
times avoid quiet hours (bot/scheduling/hours.py): a time inside them moves to the next
allowed time, or, for a reminder that would then come after the appointment, to the
last allowed time before.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.scheduling.hours import REMINDER_MARGIN, last_allowed_before, next_allowed
from bot.settings import Settings
from bot.storage.models import Booking, ScheduledJob, Slot

__all__ = ["cancel_jobs", "schedule_booking"]


def _add(session: Session, key: str, kind: str, due: datetime, now: datetime, **ids: int) -> None:
    exists = session.scalars(select(ScheduledJob).where(ScheduledJob.key == key)).first()
    if exists is not None:
        if exists.status == "cancelled":
            exists.status, exists.due_at, exists.done_at = "pending", due, None
        return
    session.add(ScheduledJob(key=key, kind=kind, due_at=due, created_at=now, **ids))


def schedule_booking(session: Session, booking: Booking, settings: Settings, now: datetime) -> None:
    """Reminders before the booked slot and the follow-up the day after."""
    slot = session.get(Slot, booking.slot_id) if booking.slot_id else None
    if slot is None:
        return
    ids = {"contact_id": booking.contact_id, "booking_id": booking.id}
    for hours in settings.reminder_hours:
        due = slot.starts_at - timedelta(hours=hours)
        shifted = next_allowed(due, settings)
        if shifted > slot.starts_at - REMINDER_MARGIN:
            shifted = last_allowed_before(due, settings)
        if shifted <= now:
            continue  # booked too late for this reminder
        _add(
            session, f"reminder:{booking.id}:{slot.id}:{hours:g}h", "reminder", shifted, now, **ids
        )
    local_end = slot.ends_at.astimezone(settings.tz)
    day_after = (local_end + timedelta(days=1)).replace(
        hour=settings.followup_hour, minute=0, second=0, microsecond=0
    )
    due = next_allowed(day_after.astimezone(slot.ends_at.tzinfo), settings)
    _add(session, f"followup:{booking.id}:{slot.id}", "followup", due, now, **ids)


def cancel_jobs(session: Session, booking_id: int, now: datetime) -> None:
    session.execute(
        update(ScheduledJob)
        .where(ScheduledJob.booking_id == booking_id, ScheduledJob.status == "pending")
        .values(status="cancelled", done_at=now)
    )
