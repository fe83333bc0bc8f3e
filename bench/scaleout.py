"""Scale-out on PostgreSQL: 2 web processes + 2 workers against 1 + 1, under a mixed
load, and whether anything is done twice or lost.

Web processes are `uvicorn bot.web:app` as deployed, each on its own port; workers are
`orienta worker`, sending to a fake Twilio API in a process of its own (bench/
fake_twilio_server.py, counting messages per key). The load, at the same time:

- inbound: people going through complete orientations as signed Twilio SMS webhooks,
  CONCURRENCY people at once, each person's turns in order, spread over the web ports
  by person as a load balancer would; a turn counts once its TwiML reply came back;
- outbound: an outbox preloaded with AUDIENCE messages (`OutboxWriter.to_audience`),
  drained by the workers.

Each configuration runs RUNS windows of WINDOW seconds; inbound turns/s and outbound
messages/s are counted over each window. At the end of a configuration the workers are
stopped (they finish their batch) and the outbox is checked against the fake: every
message it accepted is marked sent, no row is left 'sending', no key was accepted
twice. Duplicates + lost = keys accepted more than once + inbound turns answered with
an error or not at all + mismatches between the outbox and the fake.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import tempfile
import time
from dataclasses import dataclass, field

import httpx
from sqlalchemy import func, select, text

from bench.common import (
    RUNS,
    SMS_PATH,
    FakeTwilioAPI,
    Figure,
    Report,
    create_people,
    database,
    environ,
    fake_twilio_api,
    free_port,
    open_bench_orienta,
    orientation_turns,
    spawn,
    twilio_form,
    uvicorn_args,
    wait_http,
    worker_args,
)

SECTION = "5. Scale-out on PostgreSQL (web processes + workers, mixed load)"
CONFIGS = ((1, 1), (2, 2))
AUDIENCE = 20_000
AUDIENCE_FIRST = 500_000  # the audience's phone numbers, apart from those who write in
CONCURRENCY = 64  # people writing at once
WINDOW = float(os.environ.get("ORIENTA_BENCH_SCALEOUT_SECONDS", "5"))
WARM_UP = 1.0


@dataclass
class Window:
    turns: int = 0
    lost: int = 0
    """Turns answered with an error, or not at all."""
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    sent: int = 0
    """Messages the fake Twilio API accepted during the window."""


@dataclass
class ConfigResult:
    webs: int
    workers: int
    windows: list[Window] = field(default_factory=list)
    duplicates: int = 0
    mismatched: int = 0
    """Outbox rows left 'sending', or sent rows and accepted messages that differ."""
    drained: bool = False

    @property
    def name(self) -> str:
        return f"{self.webs} web + {self.workers} worker{'s' if self.workers > 1 else ''}"

    @property
    def wrong(self) -> int:
        return self.duplicates + self.mismatched + sum(w.lost for w in self.windows)


async def converse(ports: list[int], first_person: int, seconds: float) -> tuple[Window, int]:
    """CONCURRENCY people at a time through the orientation for `seconds` (each person's
    turns in order, person p on ports[p % len(ports)]); the window, and the next unused
    person number."""
    turns = orientation_turns()
    window = Window()
    next_person = first_person
    limits = httpx.Limits(
        max_connections=CONCURRENCY,
        max_keepalive_connections=CONCURRENCY,
        # Before uvicorn's 5 s: a connection it is closing is never reused (a reset).
        keepalive_expiry=2.0,
    )
    clients = [
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=30)
        for port in ports
    ]
    started = time.monotonic()
    deadline = started + seconds

    async def person_after_person() -> None:
        nonlocal next_person
        while time.monotonic() < deadline:
            person = next_person
            next_person += 1
            client = clients[person % len(clients)]
            for turn, body in enumerate(turns):
                if time.monotonic() >= deadline:
                    return
                params, signature = twilio_form(person, turn, body)
                try:
                    response = await client.post(
                        SMS_PATH, data=params, headers={"X-Twilio-Signature": signature}
                    )
                except httpx.HTTPError as exc:
                    window.lost += 1
                    window.errors.append(type(exc).__name__)
                    break
                if response.status_code != 200 or "<Response" not in response.text:
                    window.lost += 1
                    window.errors.append(f"{response.status_code} {response.text[:80]}")
                    break  # the person would write again; the next ones are not sent
                window.turns += 1

    try:
        await asyncio.gather(*(person_after_person() for _ in range(CONCURRENCY)))
    finally:
        for client in clients:
            await client.aclose()
    window.seconds = time.monotonic() - started
    return window, next_person


def measure_config(
    url: str, var_dir: str, fake: FakeTwilioAPI, webs: int, workers: int, first_person: int
) -> tuple[ConfigResult, int]:
    from bot.clock import utcnow
    from bot.messaging import Outbound
    from bot.outbox.writer import OutboxWriter
    from bot.storage.models import OutboxMessage

    result = ConfigResult(webs, workers)
    env = environ(url, var_dir, TWILIO_API_BASE_URL=fake.url)
    orienta = open_bench_orienta(env)
    prefix = f"bench:scaleout:{webs}+{workers}"
    try:
        with orienta.database.begin() as connection:
            connection.execute(text("TRUNCATE outbox_messages"))
        fake.reset()
        payload = Outbound("sms", "", "Rappel : la session d'information a lieu demain à 9 h.")
        with orienta.sessions.begin() as session:
            now = utcnow()
            queued = OutboxWriter().to_audience(
                session, None, {"fr": payload.payload()}, prefix, now, now
            )
        ports = [free_port() for _ in range(webs)]
        with contextlib.ExitStack() as servers:
            processes = [
                servers.enter_context(spawn(uvicorn_args("bot.web:app", p), env)) for p in ports
            ]
            for port, process in zip(ports, processes, strict=True):
                wait_http(f"http://127.0.0.1:{port}/health", process=process)
            with contextlib.ExitStack() as workers_stack:
                for _ in range(workers):
                    workers_stack.enter_context(spawn(worker_args(), env))
                _, first_person = asyncio.run(converse(ports, first_person, WARM_UP))
                for _ in range(RUNS):
                    before = fake.stats()["total"]
                    window, first_person = asyncio.run(converse(ports, first_person, WINDOW))
                    window.sent = fake.stats()["total"] - before
                    result.windows.append(window)
            # The workers have stopped, each after its batch: the outbox is settled.
        stats = fake.stats()
        result.drained = stats["total"] >= queued
        result.duplicates = stats["duplicates"]
        with orienta.sessions() as session:
            counts = {
                status: count
                for status, count in session.execute(
                    select(OutboxMessage.status, func.count())
                    .where(OutboxMessage.idempotency_key.startswith(f"{prefix}:"))
                    .group_by(OutboxMessage.status)
                )
            }
        result.mismatched = counts.get("sending", 0) + abs(counts.get("sent", 0) - stats["keys"])
    finally:
        orienta.close()
    return result, first_person


def run(report: Report) -> None:
    results: list[ConfigResult] = []
    with (
        database("postgresql") as url,
        tempfile.TemporaryDirectory() as tmp,
        fake_twilio_api() as fake,
    ):
        env = environ(url, tmp)
        open_bench_orienta(env).close()  # migrated
        create_people(url, env["IDENTITY_KEY"], AUDIENCE_FIRST, AUDIENCE)
        first_person = 0
        for webs, workers in CONFIGS:
            result, first_person = measure_config(url, tmp, fake, webs, workers, first_person)
            results.append(result)
    base = results[0]
    for result in results:
        inbound = [w.turns / w.seconds for w in result.windows]
        outbound = [w.sent / w.seconds for w in result.windows]
        ratio = result is not base
        report.add(
            Figure(
                SECTION,
                f"inbound turns, {result.name}",
                statistics.median(inbound),
                "turns/s",
                inbound,
                baseline=f"inbound turns, {base.name}" if ratio else None,
            )
        )
        report.add(
            Figure(
                SECTION,
                f"outbound messages, {result.name}",
                statistics.median(outbound),
                "msg/s",
                outbound,
                baseline=f"outbound messages, {base.name}" if ratio else None,
            )
        )
    for result in results:
        report.add(
            Figure(
                SECTION,
                f"duplicated + lost, {result.name}",
                float(result.wrong),
                "msgs",
                [float(result.wrong)],
                target="0",
                met=result.wrong == 0,
            )
        )
        if result.wrong:
            lost = sum(w.lost for w in result.windows)
            report.notes.append(
                f"Scale-out, {result.name}: {result.duplicates} key(s) accepted twice, "
                f"{lost} inbound turn(s) lost, {result.mismatched} outbox row(s) not "
                "matching what the fake accepted. Inbound errors: "
                + "; ".join(sorted({e for w in result.windows for e in w.errors})[:5])
            )
        if result.drained:
            report.notes.append(
                f"Scale-out, {result.name}: the outbox ran dry before the end; its outbound "
                "rate is understated (raise AUDIENCE)."
            )
    report.notes.append(
        "Scale-out: this machine has 2 cores, shared by the web processes, the workers, "
        "PostgreSQL, the fake Twilio API and the load generator; more processes cannot add "
        "cores, so the 2+2 / 1+1 ratios show the overhead and contention of running more "
        "processes, not the gain on a bigger machine. The figure that matters here is 0 "
        "duplicated or lost messages with several web processes and workers at once."
    )
