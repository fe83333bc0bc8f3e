"""Inbound pipeline: signed Twilio SMS webhooks carrying complete orientations for many
different people, through the whole app (signature check, dedupe, contact, state,
answers, message log, TwiML).

Measured in-process (httpx's ASGI transport, no network) and over loopback (the app
under uvicorn in its own process, the load from this one), on SQLite and PostgreSQL.
Baseline, in the same process and through the same client: a bare Starlette endpoint
that parses the same form and returns a fixed TwiML.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.common import (
    RUNS,
    SMS_PATH,
    Figure,
    LeanConnection,
    Report,
    database,
    environ,
    free_port,
    open_bench_orienta,
    orientation_turns,
    spawn,
    twilio_form,
    twilio_request,
    uvicorn_args,
    wait_http,
)

SECTION = "1. Inbound SMS pipeline (complete orientations)"
PEOPLE = 32  # people per run, each through the whole orientation
CONCURRENCY = 16  # conversations in flight at once
FORM = "application/x-www-form-urlencoded"
IN_PROCESS_TARGETS = {"sqlite": 0.30, "postgresql": 0.20}
"""Ratios to the bare endpoint that the in-process pipeline is to reach (issue 15; the
project's goal on SQLite: 0.50)."""
FIXED_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Merci</Message></Response>'

Send = Callable[[httpx.AsyncClient, dict[str, str], str], Awaitable[httpx.Response]]


def baseline_app() -> Starlette:
    async def endpoint(request: Request) -> Response:
        form = await request.form()
        _ = {k: v for k, v in form.items() if isinstance(v, str)}
        return Response(FIXED_TWIML, media_type="application/xml")

    return Starlette(routes=[Route(SMS_PATH, endpoint, methods=["POST"])])


async def post(client: httpx.AsyncClient, params: dict[str, str], signature: str) -> httpx.Response:
    return await client.post(SMS_PATH, data=params, headers={"X-Twilio-Signature": signature})


async def drive(
    client: httpx.AsyncClient, first_person: int, people: int, concurrency: int
) -> tuple[int, float]:
    """Every person through every turn (each person's turns in order, `concurrency`
    people at once); (turns answered, seconds)."""
    turns = orientation_turns()
    forms = [
        [twilio_form(first_person + p, t, body) for t, body in enumerate(turns)]
        for p in range(people)
    ]  # signed before the clock starts: Twilio's work, not ours
    queue: asyncio.Queue[list[tuple[dict[str, str], str]]] = asyncio.Queue()
    for person in forms:
        queue.put_nowait(person)
    answered = 0

    async def conversation_worker() -> None:
        nonlocal answered
        while not queue.empty():
            person = queue.get_nowait()
            for params, signature in person:
                response = await post(client, params, signature)
                if response.status_code != 200 or "<Response" not in response.text:
                    raise RuntimeError(f"turn not answered: {response.status_code}")
                answered += 1

    started = time.perf_counter()
    await asyncio.gather(*(conversation_worker() for _ in range(concurrency)))
    return answered, time.perf_counter() - started


class InProcess:
    """The app and the baseline, each behind httpx's ASGI transport in this process."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.next_person = 0

    def throughput(self, app: Starlette, people: int = PEOPLE) -> float:
        async def go() -> float:
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://bench") as c:
                    answered, seconds = await drive(c, self.next_person, people, CONCURRENCY)
            self.next_person += people
            return answered / seconds

        return asyncio.run(go())


def in_process(report: Report, kind: str) -> None:
    from bot.web import create_app

    with database(kind) as url, tempfile.TemporaryDirectory() as tmp:
        orienta = open_bench_orienta(environ(url, tmp))
        try:
            runner = InProcess(kind)
            runner.throughput(create_app(orienta), people=10)  # warm-up: imports, caches
            base = baseline_app()
            runner.throughput(base, people=10)
            bases: list[float] = []
            ours: list[float] = []
            for _ in range(RUNS):  # interleaved, so that noise hits both alike
                bases.append(runner.throughput(base))
                ours.append(runner.throughput(create_app(orienta)))
        finally:
            orienta.close()
    add_pair(report, f"in-process, {kind}", bases, ours, target=IN_PROCESS_TARGETS[kind])


def add_pair(
    report: Report, where: str, bases: list[float], ours: list[float], target: float | None
) -> None:
    import statistics

    base_name = f"baseline (bare Starlette + form), {where}"
    report.add(Figure(SECTION, base_name, statistics.median(bases), "turns/s", bases))
    figure = report.add(
        Figure(
            SECTION,
            f"Orienta, {where}",
            statistics.median(ours),
            "turns/s",
            ours,
            baseline=base_name,
            target=f"≥ {target:.2f}x baseline" if target else "",
        )
    )
    if target and figure.ratio is not None:
        figure.met = figure.ratio >= target


def over_loopback(report: Report, kind: str) -> None:
    """The app and the baseline under uvicorn, each in its own process; the load from this
    one, through a lean client (httpx would take the servers' CPU)."""
    with database(kind) as url, tempfile.TemporaryDirectory() as tmp:
        env = environ(url, tmp)
        port, base_port = free_port(), free_port()
        with (
            spawn(uvicorn_args("bot.web:app", port), env) as server,
            spawn(uvicorn_args("bench.inbound:baseline_app", base_port, "--factory"), env) as b,
        ):
            wait_http(f"http://127.0.0.1:{port}/health", process=server)
            wait_http(f"http://127.0.0.1:{base_port}/", process=b)
            next_person = 0

            def measure(target_port: int, people: int = PEOPLE) -> float:
                nonlocal next_person
                answered, seconds = asyncio.run(
                    drive_loopback(target_port, next_person, people, CONCURRENCY)
                )
                next_person += people
                return answered / seconds

            measure(port, 10)
            measure(base_port, 10)
            bases, ours = [], []
            for _ in range(RUNS):
                bases.append(measure(base_port))
                ours.append(measure(port))
    add_pair(report, f"loopback (uvicorn), {kind}", bases, ours, target=None)


async def drive_loopback(
    port: int, first_person: int, people: int, concurrency: int
) -> tuple[int, float]:
    turns = orientation_turns()
    requests = [
        [twilio_request(first_person + p, t, body) for t, body in enumerate(turns)]
        for p in range(people)
    ]
    queue: asyncio.Queue[list[tuple[bytes, str]]] = asyncio.Queue()
    for person in requests:
        queue.put_nowait(person)
    answered = 0

    async def conversation_worker() -> None:
        nonlocal answered
        connection = LeanConnection("127.0.0.1", port)
        try:
            while not queue.empty():
                for body, headers in queue.get_nowait():
                    status, answer = await connection.post(SMS_PATH, body, headers, FORM)
                    if status != 200 or b"<Response" not in answer:
                        raise RuntimeError(f"turn not answered: {status}")
                    answered += 1
        finally:
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(conversation_worker() for _ in range(concurrency)))
    return answered, time.perf_counter() - started


def run(report: Report) -> None:
    for kind in ("sqlite", "postgresql"):
        in_process(report, kind)
    for kind in ("sqlite", "postgresql"):
        over_loopback(report, kind)
