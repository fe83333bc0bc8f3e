"""Scheduled work with a controllable clock (no real waiting): quiet hours, reminders
at the configured hours, a restart in between, the grace period, two schedulers at
once, the nudge after an abandoned orientation, APScheduler's configuration, every step
of a scan run even when one fails, and the kept text deleted after its retention."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from bot.app import Orienta, open_orienta
from bot.scheduling.due import schedule_booking
from bot.scheduling.hours import is_quiet, next_allowed
from bot.scheduling.jobs import SCAN_SECONDS, Jobs, build_scheduler
from bot.scheduling.worker import start_scheduler
from bot.settings import Settings, load_settings
from bot.storage.models import Booking, HelpEpisode, HelpMessage, OutboxMessage, ScheduledJob
from tests.booking.test_booking import FOCAL, add_service, say, to_offers
from tests.conftest import FakeClock
from tests.fakes.twilio_api import FakeTwilio
from tests.outbox.test_dispatcher import fake, start_worker, worker_env  # noqa: F401

CONAKRY = UTC  # Africa/Conakry is UTC+0 all year: local times below are UTC times


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=CONAKRY)


def test_quiet_hours_and_the_next_allowed_time(settings: Settings) -> None:
    assert is_quiet(at(2, 21, 0), settings) and is_quiet(at(3, 6, 59), settings)
    assert not is_quiet(at(2, 20, 59), settings) and not is_quiet(at(3, 7, 0), settings)
    assert next_allowed(at(2, 22, 30), settings) == at(3, 7, 0)
    assert next_allowed(at(3, 2, 0), settings) == at(3, 7, 0)
    assert next_allowed(at(3, 12, 0), settings) == at(3, 12, 0)
    environ = {
        "DATABASE_URL": "sqlite:///unused.db",
        "ORIENTA_VAR_DIR": str(settings.var_dir),
        "ORIENTA_QUIET_START": "22:30",
        "ORIENTA_QUIET_END": "6",
    }
    other = load_settings(environ=environ, env_file=None)
    assert not is_quiet(at(2, 22, 0), other) and next_allowed(at(2, 23, 0), other) == at(3, 6)


def reminders_for(orienta: Orienta, clock: FakeClock, slot_start: datetime) -> list[datetime]:
    _service, (slot_id,) = add_service(orienta, slots=1)
    with orienta.sessions.begin() as session:
        from bot.storage.models import Slot

        slot = session.get(Slot, slot_id)
        assert slot is not None
        slot.starts_at, slot.ends_at = slot_start, slot_start + timedelta(hours=2)
        booking = Booking(
            code="TEST01",
            contact_id=_contact(session, clock),
            service_id=slot.service_id,
            slot_id=slot_id,
            status="booked",
            created_at=clock(),
            updated_at=clock(),
        )
        session.add(booking)
        session.flush()
        schedule_booking(session, booking, orienta.settings, clock())
        return list(
            session.scalars(
                select(ScheduledJob.due_at)
                .where(ScheduledJob.kind == "reminder")
                .order_by(ScheduledJob.due_at)
            )
        )


def _contact(session: object, clock: FakeClock) -> int:
    from bot.storage.models import Contact

    contact = Contact(created_at=clock())
    session.add(contact)  # type: ignore[attr-defined]
    session.flush()  # type: ignore[attr-defined]
    return contact.id


def test_reminders_24_and_2_hours_before(orienta: Orienta, clock: FakeClock) -> None:
    assert reminders_for(orienta, clock, at(5, 14)) == [at(4, 14), at(5, 12)]


def test_a_reminder_in_the_quiet_hours_moves_to_the_next_allowed_time(
    orienta: Orienta, clock: FakeClock
) -> None:
    # 08:00: 2 h before is 06:00, quiet → 07:00, still before the appointment.
    assert reminders_for(orienta, clock, at(5, 8)) == [at(4, 8), at(5, 7)]


def test_a_reminder_that_would_come_too_late_comes_the_evening_before(
    orienta: Orienta, clock: FakeClock
) -> None:
    # 07:15: 2 h before is 05:15; 07:00 would be 15 min before: the evening before instead.
    assert reminders_for(orienta, clock, at(5, 7, 15)) == [at(4, 7, 15), at(4, 20, 30)]


def test_reminder_hours_are_configurable(
    settings: Settings, clock: FakeClock, database_url: str
) -> None:
    app = open_orienta(replace(settings, reminder_hours=(48.0,)), clock=clock)
    try:
        assert reminders_for(app, clock, at(5, 14)) == [at(3, 14)]
    finally:
        app.close()


def book(orienta: Orienta, person: str) -> None:
    add_service(orienta, capacity=5, slots=1)  # tomorrow (Tuesday 3) 09:00
    to_offers(orienta, person)
    say(orienta, person, "1")
    assert "C'est réservé" in say(orienta, person, "1")


def outbox_texts(orienta: Orienta, like: str) -> list[str]:
    with orienta.sessions() as session:
        return [
            r["text"]
            for r in session.scalars(
                select(OutboxMessage.payload)
                .where(OutboxMessage.idempotency_key.like(like))
                .order_by(OutboxMessage.id)
            )
        ]


def test_a_restart_in_between_loses_nothing_and_sends_nothing_twice(
    orienta: Orienta, settings: Settings, clock: FakeClock
) -> None:
    book(orienta, "+224000000301")
    # The web process wrote the rows and is gone; a worker starts later.
    clock.now = at(3, 7, 5)
    worker = open_orienta(settings, clock=clock, run_migrations=False)
    try:
        jobs = Jobs(worker.sessions, worker.engine, worker.settings, clock)
        assert jobs.run_due() == 1
        # It restarts: a new process, a new scheduler, the same rows.
        again = Jobs(worker.sessions, worker.engine, worker.settings, clock)
        assert again.run_due() == 0
    finally:
        worker.close()
    (reminder,) = outbox_texts(orienta, "job:reminder:%")
    assert reminder.startswith("Rappel : Fumage amélioré, mardi 3 novembre 2026, 09:00")


def test_a_job_missed_beyond_the_grace_period_is_dropped(
    orienta: Orienta, clock: FakeClock
) -> None:
    book(orienta, "+224000000302")
    clock.now = at(4, 10, 0)  # the reminder was due Tuesday 07:00; the worker was down
    jobs = Jobs(orienta.sessions, orienta.engine, orienta.settings, clock)
    jobs.run_due()
    assert outbox_texts(orienta, "job:reminder:%") == []
    with orienta.sessions() as session:
        statuses = dict(
            session.execute(
                select(ScheduledJob.kind, ScheduledJob.status).where(
                    ScheduledJob.booking_id.is_not(None)
                )
            ).all()
        )
    assert statuses == {"reminder": "expired", "followup": "done"}


def test_nothing_goes_during_quiet_hours_and_it_waits_for_the_morning(
    orienta: Orienta, clock: FakeClock
) -> None:
    book(orienta, "+224000000303")
    jobs = Jobs(orienta.sessions, orienta.engine, orienta.settings, clock)
    clock.now = at(3, 23, 0)  # the follow-up is due Wednesday 10:00; not yet
    assert jobs.run_due() == 0  # quiet: nothing is even looked at
    clock.now = at(4, 6, 30)
    assert jobs.run_due() == 0
    assert outbox_texts(orienta, "job:%") == []
    clock.now = at(4, 7, 0)
    jobs.run_due()
    assert outbox_texts(orienta, "job:%") == []  # the reminder expired; follow-up not due
    clock.now = at(4, 10, 0)
    jobs.run_due()
    (followup,) = outbox_texts(orienta, "job:followup:%")
    assert "Y êtes-vous allé(e) ?" in followup


def test_two_schedulers_at_once_send_each_message_once(
    orienta: Orienta, settings: Settings, clock: FakeClock
) -> None:
    people = [f"+22400000031{n}" for n in range(4)]
    add_service(orienta, capacity=10, slots=1)
    for person in people:
        to_offers(orienta, person)
        say(orienta, person, "1")
        say(orienta, person, "1")
    clock.now = at(3, 7, 30)
    apps = [open_orienta(settings, clock=clock, run_migrations=False) for _ in range(2)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(app: Orienta) -> None:
        try:
            barrier.wait()
            Jobs(app.sessions, app.engine, app.settings, clock).run_due()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for app in apps:
        app.close()
    # On SQLite too: each transaction takes the write lock at BEGIN, so the second
    # scheduler waits for the first instead of failing on "database is locked".
    assert errors == []
    assert len(outbox_texts(orienta, "job:reminder:%")) == len(people)
    with orienta.sessions() as session:
        pending = select(func.count()).where(
            ScheduledJob.kind == "reminder", ScheduledJob.status == "pending"
        )
        assert session.scalar(pending) == 0


def test_one_gentle_nudge_after_an_abandoned_orientation(
    orienta: Orienta, clock: FakeClock
) -> None:
    person = "+224000000320"
    for text in ["Bonjour", "1", "oui", "Boké"]:
        say(orienta, person, text)
    jobs = Jobs(orienta.sessions, orienta.engine, orienta.settings, clock)
    clock.advance(timedelta(hours=47))
    assert jobs.run_due() == 0
    clock.advance(timedelta(hours=1, minutes=1))  # Wednesday 09:31
    assert jobs.run_due() == 1
    (nudge,) = outbox_texts(orienta, "job:nudge:%")
    assert "Votre orientation n'est pas finie" in nudge
    assert "Dans quelle préfecture ou commune ?" in nudge  # where they stopped
    # They answer: the orientation goes on, no "welcome back" for a message we sent.
    reply = say(orienta, person, "boffa")
    assert "Vous etes" in reply and "Re-bonjour" not in reply
    clock.advance(timedelta(days=5))
    assert jobs.run_due() == 0  # one nudge, never a second


def test_no_nudge_before_consent_or_after_the_end(orienta: Orienta, clock: FakeClock) -> None:
    say(orienta, "+224000000321", "Bonjour")  # never consented
    to_offers(orienta, "+224000000322")  # finished
    clock.advance(timedelta(days=3))
    Jobs(orienta.sessions, orienta.engine, orienta.settings, clock).run_due()
    assert outbox_texts(orienta, "job:nudge:%") == []


def test_apscheduler_is_set_up_on_purpose(orienta: Orienta, clock: FakeClock) -> None:
    jobs = Jobs(orienta.sessions, orienta.engine, orienta.settings, clock)

    async def run(fn: object) -> None:
        return None

    scheduler = build_scheduler(jobs, run)
    (job,) = scheduler.get_jobs()
    assert job.misfire_grace_time == SCAN_SECONDS * 10  # not APScheduler's silent 1 s
    assert job.coalesce is True and job.max_instances == 1
    assert job.trigger.interval == timedelta(seconds=SCAN_SECONDS)


def test_the_worker_scheduler_runs_due_rows_as_soon_as_it_starts(
    orienta: Orienta, clock: FakeClock
) -> None:
    book(orienta, "+224000000330")
    clock.now = at(3, 7, 10)

    committed = threading.Event()  # each transaction the scheduler commits
    event.listen(orienta.sessions, "after_commit", lambda _session: committed.set())

    async def worker_until_the_reminder_is_queued() -> None:
        scheduler = start_scheduler(orienta)
        try:
            while not outbox_texts(orienta, "job:reminder:%"):
                assert await asyncio.to_thread(committed.wait, 10), "the scheduler did nothing"
                committed.clear()
        finally:
            scheduler.shutdown(wait=False)

    asyncio.run(worker_until_the_reminder_is_queued())
    assert len(outbox_texts(orienta, "job:reminder:%")) == 1


def reminder_sent(orienta: Orienta) -> bool:
    with orienta.sessions() as session:
        statuses = session.scalars(
            select(OutboxMessage.status).where(OutboxMessage.idempotency_key.like("job:reminder:%"))
        ).all()
        jobs = session.scalars(
            select(ScheduledJob.status).where(ScheduledJob.status == "done")
        ).all()
    return statuses == ["sent"] and len(jobs) >= 1


@pytest.mark.slow
def test_a_real_worker_process_sends_the_reminder_and_the_partner_notice_once(
    settings: Settings,
    fake: tuple[FakeTwilio, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    """`orienta worker` as deployed (real time, APScheduler, dispatcher, fake Twilio on
    127.0.0.1): a reminder written by another process is sent once, then never again."""
    twilio, url = fake
    # Real clock (the worker runs on real time), quiet hours off at any hour of the run.
    settings = replace(settings, quiet_start=dtime(0), quiet_end=dtime(0))
    app = open_orienta(settings)
    try:
        add_service(app, capacity=5, slots=1)
        person = "+224000000340"
        to_offers(app, person)
        say(app, person, "1")
        assert "C'est réservé" in say(app, person, "1")
        with app.sessions.begin() as session:  # make the 24-hour reminder due now
            job = session.scalars(
                select(ScheduledJob).where(ScheduledJob.kind == "reminder").limit(1)
            ).one()
            job.due_at = datetime.now(UTC) - timedelta(minutes=1)
        env = worker_env(app, url, tmp_path)
        env.update(ORIENTA_QUIET_START="00:00", ORIENTA_QUIET_END="00:00")  # any hour
        worker = start_worker(env, tmp_path / "worker.log")
        try:
            twilio.wait_until(lambda: any(a.to == FOCAL for a in twilio.accepted), "the notice")
            # Recorded as sent (and the job done): no dispatcher pass can send it again.
            twilio.wait_until(lambda: reminder_sent(app), "the reminder, sent and recorded")
        finally:
            worker.terminate()
            worker.wait(15)
        with app.sessions() as session:
            rows = session.scalars(
                select(OutboxMessage.status).where(
                    OutboxMessage.idempotency_key.like("job:reminder:%")
                )
            ).all()
        assert rows == ["sent"]
    finally:
        app.close()
    reminders = [a for a in twilio.accepted if a.body.startswith("Rappel")]
    assert len(reminders) == 1 and reminders[0].to == person
    assert "Votre code :" in reminders[0].body
    to_partner = sorted(a.body.split(" ")[2] for a in twilio.accepted if a.to == FOCAL)
    # The booking notice, and, if the worker ran after 18:00 the day before the slot (as
    # a worker started in the evening does), the daily list: each once.
    assert to_partner in (["nouvelle"], ["nouvelle", "vos"])


def test_quiet_hours_are_local_time_where_the_clock_is_not_utc(settings: Settings) -> None:
    lagos = replace(settings, timezone="Africa/Lagos")  # UTC+1
    assert is_quiet(datetime(2026, 11, 2, 20, 30, tzinfo=UTC), lagos)  # 21:30 there
    assert not is_quiet(datetime(2026, 11, 2, 19, 30, tzinfo=UTC), lagos)
    # 22:00 there → 07:00 there, 06:00 UTC.
    assert next_allowed(datetime(2026, 11, 2, 21, 0, tzinfo=UTC), lagos) == datetime(
        2026, 11, 3, 6, 0, tzinfo=UTC
    )


def test_one_scheduled_row_that_fails_does_not_hold_back_the_others(
    orienta: Orienta, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_service(orienta, capacity=5, slots=1)
    for person in ("+224000000341", "+224000000342"):
        to_offers(orienta, person)
        say(orienta, person, "1")
        assert "C'est réservé" in say(orienta, person, "1")
    real_remind = Jobs._remind
    first: list[str] = []

    def remind_or_fail(self: Jobs, session, contact, row, key, now):  # type: ignore[no-untyped-def]
        if not first:  # a fault in the first row handled (a bug, bad data)
            first.append(row.key)
            raise RuntimeError("injected fault")
        return real_remind(self, session, contact, row, key, now)

    monkeypatch.setattr(Jobs, "_remind", remind_or_fail)
    clock.now = at(3, 7, 5)
    Jobs(orienta.sessions, orienta.engine, orienta.settings, clock).run_due()
    assert len(outbox_texts(orienta, "job:reminder:%")) == 1  # the other one went
    with orienta.sessions() as session:
        statuses = dict(
            session.execute(
                select(ScheduledJob.key, ScheduledJob.status).where(ScheduledJob.kind == "reminder")
            ).all()
        )
    assert statuses[first[0]] == "failed"
    assert sorted(statuses.values()) == ["done", "failed"]


def test_a_scan_runs_every_step_even_after_one_fails(
    orienta: Orienta, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[str] = []

    def step(name: str, fails: bool = False) -> object:
        def run_step(self: Jobs) -> int:
            ran.append(name)
            if fails:
                raise RuntimeError("injected fault")
            return 0

        return run_step

    monkeypatch.setattr(Jobs, "notify_urgent", step("notify_urgent", fails=True))
    for name in ("run_due", "send_daily_lists", "purge_kept_text"):
        monkeypatch.setattr(Jobs, name, step(name))

    async def run(fn: Callable[[], int]) -> int:
        return fn()

    scheduler = build_scheduler(
        Jobs(orienta.sessions, orienta.engine, orienta.settings, clock), run
    )
    (job,) = scheduler.get_jobs()
    asyncio.run(job.func())
    assert ran == ["notify_urgent", "run_due", "send_daily_lists", "purge_kept_text"]


def test_the_scan_deletes_the_text_kept_for_an_episode_closed_past_retention(
    orienta: Orienta, clock: FakeClock
) -> None:
    days = timedelta(days=orienta.settings.kept_text_days)
    with orienta.sessions.begin() as session:
        contact_id = _contact(session, clock)
        for closed_at in (clock() - days - timedelta(hours=1), clock() - days + timedelta(hours=1)):
            episode = HelpEpisode(
                contact_id=contact_id,
                kind="urgent",
                state="closed",
                opened_at=closed_at - timedelta(hours=2),
                last_message_at=closed_at - timedelta(hours=2),
                closed_at=closed_at,
            )
            session.add(episode)
            session.flush()
            session.add(
                HelpMessage(episode_id=episode.id, at=closed_at, author="person", sealed=b"x")
            )
    assert Jobs(orienta.sessions, orienta.engine, orienta.settings, clock).purge_kept_text() == 1
    with orienta.sessions() as session:
        assert session.scalar(select(func.count()).select_from(HelpMessage)) == 1  # the recent one
