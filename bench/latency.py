"""Reply time with many conversations at once, over loopback.

The app runs under uvicorn in its own process (one process, as `make run` and the
Procfile start it); this process plays N people at once, each going through the
orientation by SMS and answering each reply after a short pause. Real people take ten
seconds or more to read a menu on a feature phone and type an answer; pausing
0.5–1.5 s puts ten times more load on the server than that many people would. A person
who reaches the end starts over as a new person, so the load stays steady. Every reply
time within the measured window counts (from sending the webhook to the end of the
TwiML answer).
"""

from __future__ import annotations

import asyncio
import itertools
import random
import statistics
import tempfile
import time

import httpx

from bench.common import (
    RUNS,
    SMS_PATH,
    Figure,
    LeanConnection,
    Report,
    database,
    environ,
    free_port,
    orientation_turns,
    percentile,
    spawn,
    twilio_request,
    uvicorn_args,
    wait_http,
)

SECTION = "3. Reply time over loopback (uvicorn, 1 process)"
WARM_UP = 2.0  # seconds before measuring: everyone has started
WINDOW = 6.0  # seconds measured per run
FORM = "application/x-www-form-urlencoded"
PAUSE = (0.5, 1.5)  # a person's pause before answering, seconds


async def one_run(port: int, people: int, first_person: int, seed: int) -> list[float]:
    """Reply times (ms) of every turn answered within the measured window."""
    turns = orientation_turns()
    rng = random.Random(seed)
    numbers = itertools.count(first_person)
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()
    measure_from, measure_to = start + WARM_UP, start + WARM_UP + WINDOW

    async def person_loop() -> None:
        nonlocal errors
        connection = LeanConnection("127.0.0.1", port)  # a phone company's, in real life
        await asyncio.sleep(rng.uniform(0, 1.0))  # people do not all start at once
        try:
            while time.perf_counter() < measure_to:
                person = next(numbers)
                for turn, text in enumerate(turns):
                    body, headers = twilio_request(person, turn, text)
                    sent = time.perf_counter()
                    status, _ = await connection.post(SMS_PATH, body, headers, FORM)
                    done = time.perf_counter()
                    if status != 200:
                        errors += 1
                    if measure_from <= sent and done <= measure_to:
                        latencies.append((done - sent) * 1000)
                    if done >= measure_to:
                        return
                    await asyncio.sleep(rng.uniform(*PAUSE))
        finally:
            connection.close()

    await asyncio.gather(*(person_loop() for _ in range(people)))
    if errors:
        raise RuntimeError(f"{errors} turns not answered 200")
    return sorted(latencies)


def measure(report: Report, kind: str, levels: tuple[int, ...], serve: bool = False) -> None:
    with database(kind) as url, tempfile.TemporaryDirectory() as tmp:
        env = environ(url, tmp, BENCH_SERVE="1" if serve else "0")
        port = free_port()
        args = uvicorn_args("bench.lockwaits:app", port, "--factory")
        with spawn(args, env) as server:
            base_url = f"http://127.0.0.1:{port}"
            wait_http(f"{base_url}/health", process=server)
            first = 1
            for people in levels:
                runs: dict[str, list[float]] = {"p50": [], "p95": [], "p99": [], "rate": []}
                waits: dict[str, list[float]] = {"waits": [], "waited_ms": []}
                for n in range(RUNS):
                    httpx.post(f"{base_url}/bench/lock-waits").raise_for_status()
                    values = asyncio.run(one_run(port, people, first, seed=n))
                    stats = httpx.get(f"{base_url}/bench/lock-waits").json()
                    waits["waits"].append(stats["waits"])
                    waits["waited_ms"].append(stats["waited_ms"])
                    first += 100_000
                    for p in (50, 95, 99):
                        runs[f"p{p}"].append(percentile(values, p))
                    runs["rate"].append(len(values) / WINDOW)
                where = f"{people} conversations at once, {kind}" + (", as serve" if serve else "")
                for p in ("p50", "p95", "p99"):
                    figure = Figure(
                        SECTION,
                        f"{p} reply time, {where}",
                        statistics.median(runs[p]),
                        "ms",
                        runs[p],
                    )
                    if p == "p99" and kind == "sqlite" and people == 200 and not serve:
                        figure.target = "< 100 ms"
                        figure.met = figure.value < 100
                    report.add(figure)
                report.add(
                    Figure(
                        SECTION,
                        f"turns answered, {where}",
                        statistics.median(runs["rate"]),
                        "turns/s",
                        runs["rate"],
                    )
                )
                if kind == "sqlite":
                    count = max(waits["waits"])
                    report.add(
                        Figure(
                            SECTION,
                            f"lock waits (worst run), {where}",
                            count,
                            "waits",
                            waits["waits"],
                            target="0" if people == 200 else "",
                            met=count == 0 if people == 200 else None,
                        )
                    )
                    report.add(
                        Figure(
                            SECTION,
                            f"lock wait time (worst run), {where}",
                            max(waits["waited_ms"]),
                            "ms",
                            waits["waited_ms"],
                        )
                    )


def run(report: Report) -> None:
    measure(report, "sqlite", (50, 200))
    measure(report, "sqlite", (200,), serve=True)
    measure(report, "postgresql", (200,))
    report.notes.append(
        "Reply time: each simulated person answers 0.5-1.5 s after a reply (ten times "
        "faster than people on feature phones), people start over when done."
    )
