"""Fan-out through the outbox: N people each due one message (the shape of a broadcast
or of a day of reminders), sent by one `orienta worker` to a fake Twilio API.

For each size (10,000 and 100,000 people): the people are written once in bulk (set-up,
not measured); then each run empties the outbox, times the enqueueing
(`OutboxWriter.to_audience`, one INSERT … SELECT per language), starts a new worker
process, measures its dispatch rate from the first to the last message the fake Twilio
API accepted (bench/fake_twilio_server.py, its own process on loopback) and its peak
resident memory (VmHWM, read before it is stopped). Every run checks that each person
got exactly one message and that every row ended 'sent'. The worker is started after
the enqueueing, so its memory shows what it holds while sending, not the INSERT.

Baseline, measured in the same run against the same fake, interleaved with the runs of
the smaller size: a bare loop in this process posting BASELINE_MESSAGES messages through
an httpx client set up as the Twilio sender's is (auth, timeout, default pool), with as
many requests in flight as the dispatcher allows, no database. The dispatch rate is
given as a ratio of it: what is left for Orienta once the HTTP client has had its share.

PostgreSQL (production) by default; ORIENTA_BENCH_FANOUT_KINDS=postgresql,sqlite adds
SQLite, ORIENTA_BENCH_FANOUT_SIZES and ORIENTA_BENCH_FANOUT_LARGE_RUNS change the sizes
and the runs of the largest one (1 by default: one run of 100,000 takes minutes).

Reusable: `measure_fanout(kind, people, enqueue)` takes any enqueueing function, so a
broadcast can be measured the same way once it exists.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bench.common import (
    PUBLIC_BASE_URL,
    RUNS,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    FakeTwilioAPI,
    Figure,
    Report,
    create_people,
    database,
    environ,
    fake_twilio_api,
    open_bench_orienta,
    peak_rss_mb,
    phone,
    spawn,
    worker_args,
)

SECTION = "4. Fan-out through the outbox (one worker, fake Twilio on loopback)"
SIZES = tuple(
    int(n) for n in os.environ.get("ORIENTA_BENCH_FANOUT_SIZES", "10000,100000").split(",")
)
LARGE_RUNS = int(os.environ.get("ORIENTA_BENCH_FANOUT_LARGE_RUNS", "1"))
KINDS = os.environ.get("ORIENTA_BENCH_FANOUT_KINDS", "postgresql").split(",")
BASELINE_MESSAGES = 5000
TARGET_RATIO = 1.5
"""One worker's sending rate against the bare httpx posting loop of the same run."""
TARGET_GROWTH_MB = 50.0

Enqueue = Callable[[sessionmaker[Session], int], int]
"""Queue the messages of run number `run` (keys must differ between runs); the number of
rows queued."""


def enqueue_reminders(sessions: sessionmaker[Session], run: int) -> int:
    """Everyone due one reminder now: `OutboxWriter.to_audience` over the whole contact table."""
    from bot.clock import utcnow
    from bot.messaging import Outbound
    from bot.outbox.writer import OutboxWriter

    text_fr = "Rappel : votre rendez-vous au centre de formation est demain à 9 h."
    text_en = "Reminder: your appointment at the training centre is tomorrow at 9."
    payloads = {
        "fr": Outbound("sms", "", text_fr, important=True).payload(),
        "en": Outbound("sms", "", text_en, language="en", important=True).payload(),
    }
    with sessions.begin() as session:
        now = utcnow()
        return OutboxWriter().to_audience(session, None, payloads, f"bench:fanout:{run}", now, now)


@dataclass
class FanoutRun:
    people: int
    queued: int
    enqueue_seconds: float
    delivered: int
    """Messages the fake Twilio API accepted."""
    keys: int
    """Distinct keys among them."""
    duplicates: int
    rate: float
    """Messages per second, from the first accepted to the last."""
    peak_rss_mb: float
    sent_rows: int
    """Outbox rows marked 'sent' when the worker was stopped."""

    @property
    def ok(self) -> bool:
        return (
            self.duplicates == 0
            and self.delivered == self.people
            and self.keys == self.people
            and self.queued == self.people
            and self.sent_rows == self.people
        )


class Fanout:
    """One database of `people` people and one fake Twilio API, for several runs."""

    def __init__(self, kind: str, url: str, var_dir: str, fake: FakeTwilioAPI) -> None:
        self.kind = kind
        self.url = url
        self.fake = fake
        self.env = environ(url, var_dir, TWILIO_API_BASE_URL=fake.url)
        self.orienta = open_bench_orienta(self.env)  # migrates
        self.runs = 0

    def close(self) -> None:
        self.orienta.close()

    def add_people(self, people: int) -> None:
        create_people(self.url, self.env["IDENTITY_KEY"], 0, people)

    def _empty_outbox(self) -> None:
        with self.orienta.database.begin() as connection:
            if self.kind == "postgresql":
                connection.execute(text("TRUNCATE outbox_messages"))
            else:
                connection.execute(text("DELETE FROM outbox_messages"))

    def _sent_rows(self) -> int:
        from bot.storage.models import OutboxMessage

        with self.orienta.sessions() as session:
            query = select(func.count()).where(OutboxMessage.status == "sent")
            return int(session.scalar(query) or 0)

    def run_once(self, people: int, enqueue: Enqueue, timeout: float = 300.0) -> FanoutRun:
        self.runs += 1
        self._empty_outbox()
        self.fake.reset()
        started = time.perf_counter()
        queued = enqueue(self.orienta.sessions, self.runs)
        enqueue_seconds = time.perf_counter() - started
        with spawn(worker_args(), self.env) as worker:
            stats = self._wait_delivered(queued, worker, timeout)
            deadline = time.monotonic() + 30
            sent_rows = self._sent_rows()
            while sent_rows < queued and time.monotonic() < deadline:
                time.sleep(0.05)  # the last batch's results are being recorded
                sent_rows = self._sent_rows()
            peak = peak_rss_mb(worker.pid)
        stats = self.fake.stats()
        span = (stats["last"] or 0.0) - (stats["first"] or 0.0)
        return FanoutRun(
            people=people,
            queued=queued,
            enqueue_seconds=enqueue_seconds,
            delivered=stats["total"],
            keys=stats["keys"],
            duplicates=stats["duplicates"],
            rate=(stats["total"] - 1) / span if span > 0 else 0.0,
            peak_rss_mb=peak,
            sent_rows=sent_rows,
        )

    def _wait_delivered(
        self, queued: int, worker: subprocess.Popen[bytes], timeout: float
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        last_total, last_change = -1, time.monotonic()
        while True:
            stats = self.fake.stats()
            if stats["total"] >= queued:
                return stats
            if worker.poll() is not None:
                raise RuntimeError(f"the worker exited with {worker.returncode}")
            now = time.monotonic()
            if stats["total"] != last_total:
                last_total, last_change = stats["total"], now
            if now > deadline or now - last_change > 30:
                return stats  # stuck or too slow: reported as not all delivered
            time.sleep(0.1)


@contextmanager
def fanout_database(kind: str, people: int, fake: FakeTwilioAPI) -> Iterator[Fanout]:
    """A fresh database of `kind` holding `people` people, ready for `Fanout.run_once`."""
    with database(kind) as url, tempfile.TemporaryDirectory() as tmp:
        fanout = Fanout(kind, url, tmp, fake)
        try:
            fanout.add_people(people)
            yield fanout
        finally:
            fanout.close()


def measure_fanout(
    kind: str,
    people: int,
    enqueue: Enqueue = enqueue_reminders,
    runs: int = RUNS,
    fake: FakeTwilioAPI | None = None,
) -> list[FanoutRun]:
    """`runs` fan-outs to `people` people on a fresh database of `kind`, each enqueued by
    `enqueue` and sent by a new `orienta worker`."""
    if fake is None:
        with fake_twilio_api() as own:
            return measure_fanout(kind, people, enqueue, runs, own)
    with fanout_database(kind, people, fake) as fanout:
        return [fanout.run_once(people, enqueue) for _ in range(runs)]


# -- baseline: the same posts with no database --------------------------------------------


def bare_rate(fake: FakeTwilioAPI, messages: int, run: int) -> float:
    """A bare loop posting `messages` messages to the fake as the Twilio sender would
    (same client settings, same number in flight), no database; messages per second from
    the first accepted to the last."""
    from bot.outbox.dispatcher import SEND_CONCURRENCY

    fake.reset()
    url = f"{fake.url}/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Messages.json"
    body = "Rappel : votre rendez-vous au centre de formation est demain à 9 h."

    async def go() -> None:
        async with httpx.AsyncClient(auth=(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN), timeout=20) as c:
            queue = iter(range(messages))

            async def sender() -> None:
                for i in queue:
                    key = f"baseline:{run}:{i}"
                    form = {
                        "To": phone(i),
                        "Body": body,
                        "From": "+224000999999",
                        "StatusCallback": f"{PUBLIC_BASE_URL}/webhooks/twilio/status?key={key}",
                    }
                    response = await c.post(url, data=form)
                    if response.status_code != 201:
                        raise RuntimeError(f"fake Twilio answered {response.status_code}")
                    response.json()["sid"]

            await asyncio.gather(*(sender() for _ in range(SEND_CONCURRENCY)))

    asyncio.run(go())
    stats = fake.stats()
    if stats["total"] != messages or stats["duplicates"]:
        raise RuntimeError(f"baseline: {stats}")
    return (stats["total"] - 1) / (stats["last"] - stats["first"])


# -- the section --------------------------------------------------------------------------


def report_size(report: Report, kind: str, runs: list[FanoutRun], base_name: str) -> None:
    people = runs[0].people
    where = f"{people:,} people, {kind}"
    enqueue = [r.enqueue_seconds for r in runs]
    report.add(Figure(SECTION, f"enqueue, {where}", statistics.median(enqueue), "s", enqueue))
    per_s = [r.queued / r.enqueue_seconds for r in runs]
    report.add(Figure(SECTION, f"enqueue rate, {where}", statistics.median(per_s), "rows/s", per_s))
    rates = [r.rate for r in runs]
    figure = Figure(
        SECTION,
        f"dispatch, {where}",
        statistics.median(rates),
        "msg/s",
        rates,
        baseline=base_name,
        target=f"≥ {TARGET_RATIO:.1f}x baseline",
    )
    base = report.get(SECTION, base_name)
    figure.met = base is not None and figure.value >= TARGET_RATIO * base.value
    report.add(figure)
    rss = [r.peak_rss_mb for r in runs]
    report.add(Figure(SECTION, f"worker peak RSS, {where}", statistics.median(rss), "MB", rss))
    wrong = [
        float(r.duplicates + abs(r.people - r.keys) + abs(r.people - r.sent_rows)) for r in runs
    ]
    report.add(
        Figure(
            SECTION,
            f"duplicated + missing messages, {where}",
            max(wrong),
            "msgs",
            wrong,
            target="0",
            met=all(r.ok for r in runs),
        )
    )
    for r in runs:
        if not r.ok:
            report.notes.append(f"fanout, {where}: {r}")


def run(report: Report) -> None:
    kinds = [k for k in ("postgresql", "sqlite") if k in KINDS]
    small, large = SIZES
    results: dict[tuple[str, int], list[FanoutRun]] = {}
    bases: list[float] = []
    with fake_twilio_api() as fake:
        bare_rate(fake, 1000, 0)  # warm-up
        for kind in kinds:
            with fanout_database(kind, small, fake) as fanout:
                runs = []
                for n in range(RUNS):  # interleaved with the baseline: noise hits both alike
                    if kind == kinds[0]:
                        bases.append(bare_rate(fake, BASELINE_MESSAGES, n + 1))
                    runs.append(fanout.run_once(small, enqueue_reminders))
                results[kind, small] = runs
            results[kind, large] = measure_fanout(kind, large, runs=LARGE_RUNS, fake=fake)
    base_name = f"baseline: bare httpx loop, {BASELINE_MESSAGES:,} posts, no database"
    report.add(Figure(SECTION, base_name, statistics.median(bases), "msg/s", bases))
    for kind in kinds:
        for people in SIZES:
            report_size(report, kind, results[kind, people], base_name)
        rss = {p: statistics.median(r.peak_rss_mb for r in results[kind, p]) for p in SIZES}
        growth = rss[large] - rss[small]
        report.add(
            Figure(
                SECTION,
                f"worker peak RSS growth {small:,} → {large:,} people, {kind}",
                growth,
                "MB",
                [growth],
                target=f"< {TARGET_GROWTH_MB:.0f} MB",
                met=growth < TARGET_GROWTH_MB,
            )
        )
    seconds = statistics.median([large / r.rate for r in results[kinds[0], large] if r.rate] or [0])
    report.notes.append(
        f"Fan-out: {large:,} people measured {LARGE_RUNS} time(s), {small:,} people {RUNS} "
        f"times, to keep the section within a few minutes (one run of {large:,} took "
        f"{seconds:.0f} s on {kinds[0]})."
        + ("" if "sqlite" in kinds else " SQLite not measured by default (see bench/fanout.py).")
    )
