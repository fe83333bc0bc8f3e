"""The worker's scheduled work: due rows of `scheduled_jobs` become outbox rows,
partners get the list of the next day's bookings, on-duty staff are told of urgent
requests nobody took (urgent.py, day and night), and the text kept for closed help
episodes is deleted after its retention (bot/engine/kept.py).

`orienta worker` (and `orienta serve`) run these from APScheduler 3 (`build_scheduler`):
a scan every 30 seconds. APScheduler only keeps time: what is due lives
in the database, so a restart loses nothing, and a job another process wrote is seen
at the next scan. Each row is handled once: it is claimed (FOR UPDATE SKIP LOCKED on
PostgreSQL), marked done and its outbox rows written in one transaction, under unique
idempotency keys. A row missed by more than ORIENTA_JOB_GRACE_HOURS (the worker was
down) is marked expired, never sent late; a reminder is never sent once its appointment
has begun. Nothing is sent during quiet hours: due rows wait for the morning.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.booking import notices, offers
from bot.booking.desk import BookingDesk
from bot.engine import Engine, kept
from bot.flows.model import Ask, Say
from bot.flows.registry import DEFAULT_FLOW, find_flow
from bot.i18n.translate import M
from bot.outbox import policy
from bot.scheduling import urgent
from bot.scheduling.hours import is_quiet
from bot.settings import Settings
from bot.storage.models import (
    Booking,
    Contact,
    Conversation,
    ScheduledJob,
    Slot,
)
from bot.types import Clock

__all__ = ["Jobs", "build_scheduler"]

log = logging.getLogger(__name__)

REMINDER = M(
    "reminder.message",
    "Rappel : {service}, {when}, {place}. Votre code : {code}. Écrivez RDV pour changer "
    "ou annuler.",
)
NUDGE = M(
    "nudge.message",
    "Bonjour ! Votre orientation n'est pas finie. Répondez quand vous voulez : nous "
    "reprenons où vous en étiez. STOP pour ne plus recevoir de messages.",
)

SCAN_SECONDS = 30
BATCH = 100


class Jobs:
    def __init__(
        self, sessions: sessionmaker[Session], engine: Engine, settings: Settings, clock: Clock
    ) -> None:
        self.sessions = sessions
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.desk: BookingDesk = engine.desk

    # -- scheduled rows --------------------------------------------------------------

    def run_due(self) -> int:
        """Handle every row due now, and the nudges (none during quiet hours); how many
        were handled."""
        now = self.clock()
        if is_quiet(now, self.settings):
            return 0
        handled = self._run_rows(now)
        return handled + self.run_nudges(now)

    def _run_rows(self, now: datetime) -> int:
        total = 0
        while True:
            handled, seen = self._run_batch(now)
            total += handled
            if seen < BATCH or handled == 0:  # all done, or the rest is busy: next scan
                return total

    def _run_batch(self, now: datetime) -> tuple[int, int]:
        with self.sessions() as session:
            due = session.execute(
                select(ScheduledJob.id, ScheduledJob.contact_id)
                .where(ScheduledJob.status == "pending", ScheduledJob.due_at <= now)
                .order_by(ScheduledJob.due_at, ScheduledJob.id)
                .limit(BATCH)
            ).all()
        handled = 0
        for job_id, contact_id in due:
            # One transaction per row, the person locked first as the engine does (so a
            # message of theirs being handled is never overwritten): a person busy now,
            # or a row another scheduler holds, waits for the next scan.
            with self.sessions.begin() as session:
                if contact_id is not None and not _lock_contact(session, contact_id):
                    continue
                query = select(ScheduledJob).where(
                    ScheduledJob.id == job_id, ScheduledJob.status == "pending"
                )
                if _is_postgresql(session):
                    query = query.with_for_update(skip_locked=True)
                row = session.scalars(query).one_or_none()
                if row is None:
                    continue  # done by another scheduler meanwhile
                row.status = self._handle_safely(session, row, now)
                row.done_at = now
                handled += 1
        return handled, len(due)

    def _handle_safely(self, session: Session, row: ScheduledJob, now: datetime) -> str:
        """A row that fails (a bug, a flow step renamed since) is marked failed, alone:
        the others still go."""
        try:
            with session.begin_nested():
                return self._handle(session, row, now)
        except Exception:
            log.exception("scheduled %s failed", row.kind)
            return "failed"

    def _handle(self, session: Session, row: ScheduledJob, now: datetime) -> str:
        if now - row.due_at > timedelta(hours=self.settings.job_grace_hours):
            log.warning("scheduled %s expired (due %s)", row.kind, row.due_at.isoformat())
            return "expired"
        contact = session.get(Contact, row.contact_id) if row.contact_id else None
        if contact is None:
            return "cancelled"
        key = f"job:{row.key}"
        if row.kind == "reminder":
            return self._remind(session, contact, row, key, now)
        if row.kind == "followup":
            return self._follow_up(session, contact, row, key, now)
        log.error("unknown scheduled job kind %r", row.kind)
        return "cancelled"

    def _booking(self, session: Session, row: ScheduledJob) -> tuple[Booking, Slot] | None:
        booking = session.get(Booking, row.booking_id) if row.booking_id else None
        if booking is None or booking.status != "booked" or booking.slot_id is None:
            return None
        slot = session.get(Slot, booking.slot_id)
        return (booking, slot) if slot is not None else None

    def _remind(
        self, session: Session, contact: Contact, row: ScheduledJob, key: str, now: datetime
    ) -> str:
        found = self._booking(session, row)
        if found is None or found[1].starts_at <= now:
            return "cancelled"
        booking, _slot = found
        lang = contact.language or "fr"
        info = offers.taken(session, booking, lang, self.settings)
        reminder = Say(REMINDER, info.params())
        sent = self.engine.push(session, contact, [reminder], key, now, important=True)
        return "done" if sent else "cancelled"

    def _follow_up(
        self, session: Session, contact: Contact, row: ScheduledJob, key: str, now: datetime
    ) -> str:
        found = self._booking(session, row)
        if found is None:
            return "cancelled"
        state = self.engine.state_of(session, contact)
        if state is None:
            return "cancelled"
        replies = self.desk.followup(session, found[0], state, contact.language or "fr")
        sent = self.engine.push(session, contact, replies, key, now, state=state, important=True)
        return "done" if sent else "cancelled"

    def run_nudges(self, now: datetime) -> int:
        """One gentle nudge to each person who consented, started their orientation and
        has not written for ORIENTA_NUDGE_AFTER_HOURS: found by scanning conversations
        (no row per message), each nudged once (`nudged_at`). A conversation silent for
        longer than that plus the grace period (the worker was down, or it predates
        nudges) is left alone, and so is one at a booking step."""
        after = timedelta(hours=self.settings.nudge_after_hours)
        grace = timedelta(hours=self.settings.job_grace_hours)
        orientation_steps = [s.id for s in find_flow(DEFAULT_FLOW).steps]
        waiting = (
            Conversation.updated_at <= now - after,
            Conversation.updated_at > now - after - grace,
            Conversation.completed_at.is_(None),
            Conversation.nudged_at.is_(None),
            Conversation.step.in_(orientation_steps),
        )
        with self.sessions() as session:
            candidates = session.execute(
                select(Conversation.id, Conversation.contact_id)
                .where(*waiting)
                .order_by(Conversation.updated_at, Conversation.id)
                .limit(BATCH)
            ).all()
        nudged = 0
        for conversation_id, contact_id in candidates:
            with self.sessions.begin() as session:
                if not _lock_contact(session, contact_id):
                    continue
                # Read again under the person's lock: they may have written meanwhile.
                conversation = session.scalars(
                    select(Conversation)
                    .where(Conversation.id == conversation_id, *waiting)
                    .execution_options(populate_existing=True)
                ).one_or_none()
                contact = session.get(Contact, contact_id)
                if conversation is None or contact is None:
                    continue
                if not policy.may_start(contact):  # no consent, or STOP: not written to
                    continue
                conversation.nudged_at = now
                try:
                    with session.begin_nested():
                        self._nudge(session, contact, conversation, now)
                        nudged += 1
                except Exception:
                    log.exception("nudge failed")
        return nudged

    def _nudge(
        self, session: Session, contact: Contact, conversation: Conversation, now: datetime
    ) -> None:
        state = self.engine.state_of(session, contact)
        assert state is not None and state.step is not None
        replies: list[Say | Ask] = [Say(NUDGE), Ask(state.step)]
        key = f"job:nudge:{contact.id}:{conversation.id}"
        self.engine.push(session, contact, replies, key, now, state=state)

    # -- urgent requests nobody took ---------------------------------------------------

    def notify_urgent(self) -> int:
        """Tell the on-duty staff of urgent requests waiting untaken (quiet hours and
        office hours do not hold it); how many messages were queued."""
        now = self.clock()
        with self.sessions.begin() as session:
            return urgent.notify_untaken(session, self.settings, self.engine.writer, now)

    # -- kept text -----------------------------------------------------------------------

    def purge_kept_text(self) -> int:
        """Delete the messages kept for help episodes closed more than
        ORIENTA_KEPT_TEXT_DAYS ago; how many were deleted."""
        now = self.clock()
        with self.sessions.begin() as session:
            return kept.purge(session, self.settings, now)

    # -- partners' daily list ----------------------------------------------------------

    def send_daily_lists(self) -> int:
        """Each partner's list of the next day's bookings, once per day: from
        ORIENTA_DAILY_LIST_HOUR the evening before (a list missed then, the worker being
        down, goes the next morning, before noon). Returns how many lists were queued."""
        now = self.clock()
        if is_quiet(now, self.settings):
            return 0
        local = now.astimezone(self.settings.tz)
        if local.hour >= self.settings.daily_list_hour:
            day = local.date() + timedelta(days=1)
        elif local.hour < 12:
            day = local.date()
        else:
            return 0
        with self.sessions.begin() as session:
            return notices.daily_lists(session, day, self.settings, self.engine.writer, now)


def _is_postgresql(session: Session) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


def _lock_contact(session: Session, contact_id: int) -> bool:
    """Lock the person's row as the engine does for each of their messages (PostgreSQL;
    SQLite has one writer at a time anyway). False when it is busy or gone."""
    query = select(Contact.id).where(Contact.id == contact_id)
    if _is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    return session.scalars(query).first() is not None


def build_scheduler(jobs: Jobs, run: Callable[..., Awaitable[Any]]) -> Any:
    """APScheduler 3 with Orienta's periodic scan; `run(fn)` runs a blocking `fn` off
    the event loop. Not started."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    scheduler = AsyncIOScheduler(timezone=jobs.settings.tz)

    # Urgent requests first. Each step alone: one that fails (the database gone a
    # moment) is logged, and the others still run. The daily lists are idempotent (one
    # per partner and day): checked at every scan, so a list due while the worker was
    # down goes as soon as it is back.
    steps = (jobs.notify_urgent, jobs.run_due, jobs.send_daily_lists, jobs.purge_kept_text)

    async def scan() -> None:
        for step in steps:
            try:
                await run(step)
            except Exception:
                log.exception("scheduled %s failed", step.__name__)

    # misfire_grace_time on purpose: APScheduler's default (1 s) silently drops a run
    # that could not start on time (a busy loop, a slow database). A late scan still
    # runs, once (coalesce); due rows wait in the database meanwhile, so nothing is lost.
    scheduler.add_job(
        scan,
        IntervalTrigger(seconds=SCAN_SECONDS),
        id="scheduled-rows",
        misfire_grace_time=SCAN_SECONDS * 10,
        coalesce=True,
        max_instances=1,
        next_run_time=datetime.now(jobs.settings.tz),  # at start: catch up at once
    )
    return scheduler
