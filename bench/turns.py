"""What one turn costs: SQL statements and CPU, by kind of turn, without HTTP.

Complete orientations for many people go straight to the engine, in group commits of
16 turns (bot/storage/groups.py, as webhooks arriving together are written), on SQLite
and PostgreSQL. Statements are counted as the database receives them (an event
listener on the engine), by kind of turn: the first message ("bonjour", a new person),
a mid-orientation answer, and the last (the summary confirmed: offers and a booking
proposed). Savepoints (one per turn) and the batch's BEGIN and COMMIT are counted
apart, per batch. CPU is the process's, per turn, batches included. Baseline for the
CPU: the same turns, each in a transaction of its own (`Engine.handle`).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import event

from bench.common import (
    RUNS,
    Figure,
    Report,
    database,
    environ,
    open_bench_orienta,
    orientation_turns,
)

SECTION = "0. One turn: statements and CPU (in-process, no HTTP)"
PEOPLE = 48
BATCH = 16
NOT_THE_TURNS = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")


def _inbound(person: int, turn: int, text: str) -> Any:
    from bot.messaging import Inbound

    return Inbound("sms", f"+224001{person:06d}", text, provider_id=f"SMturns{person}-{turn}")


def measure(kind: str) -> dict[str, float]:
    turns = orientation_turns()
    with database(kind) as url, tempfile.TemporaryDirectory() as var:
        orienta = open_bench_orienta(environ(url, var))
        counted: list[str] = []

        def count(_c: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            counted.append(statement)

        event.listen(orienta.database, "before_cursor_execute", count)
        by_kind: dict[str, list[float]] = {"first": [], "mid": [], "last": []}
        apart: list[int] = []

        def grouped(first: int) -> None:
            """People `first`… through every turn, BATCH people's same turn per batch."""
            for t, text in enumerate(turns):
                for start in range(first, first + PEOPLE, BATCH):
                    people = range(start, start + BATCH)
                    works = [orienta.engine.turn(_inbound(p, t, text)) for p in people]
                    counted.clear()
                    for outcome in orienta.group.commit_batch(works):
                        assert not isinstance(outcome, BaseException), outcome
                    ours = [s for s in counted if not s.lstrip().upper().startswith(NOT_THE_TURNS)]
                    kind_of = "first" if t == 0 else ("last" if t == len(turns) - 1 else "mid")
                    by_kind[kind_of].append(len(ours) / BATCH)
                    apart.append(len(counted) - len(ours))

        def alone(first: int) -> None:
            for t, text in enumerate(turns):
                for p in range(first, first + PEOPLE):
                    orienta.engine.handle(_inbound(p, t, text))

        grouped(0)  # warm: statements compiled, pages cached
        cpu_grouped = _cpu_ms_per_turn(lambda: grouped(10_000), PEOPLE * len(turns))
        cpu_alone = _cpu_ms_per_turn(lambda: alone(20_000), PEOPLE * len(turns))
        event.remove(orienta.database, "before_cursor_execute", count)
        orienta.close()
    return {
        "first": max(by_kind["first"]),
        "mid": sum(by_kind["mid"]) / len(by_kind["mid"]),
        "mid_max": max(by_kind["mid"]),
        "last": max(by_kind["last"]),
        "apart": max(apart),
        "cpu_grouped": cpu_grouped,
        "cpu_alone": cpu_alone,
    }


def _cpu_ms_per_turn(work: Callable[[], None], turns: int) -> float:
    started = time.process_time()
    work()
    return (time.process_time() - started) / turns * 1000


def run(report: Report) -> None:
    for kind in ("sqlite", "postgresql"):
        runs = [measure(kind) for _ in range(RUNS)]

        def median(name: str, of: list[dict[str, float]] = runs) -> tuple[float, list[float]]:
            values = sorted(r[name] for r in of)
            return values[len(values) // 2], values

        for name, label, target in (
            ("first", "statements, first message (a new person)", ""),
            ("mid_max", "statements, mid-orientation turn (worst batch)", "≤ 5"),
            ("mid", "statements, mid-orientation turn (mean)", "≤ 5"),
            ("last", "statements, last turn (offers, booking proposed)", ""),
            ("apart", f"BEGIN/SAVEPOINT/RELEASE/COMMIT per batch of {BATCH}", ""),
        ):
            value, values = median(name)
            figure = Figure(SECTION, f"{label}, {kind}", value, "stmts", values, target=target)
            if target:
                figure.met = value <= 5
            report.add(figure)
        alone, alone_runs = median("cpu_alone")
        report.add(
            Figure(SECTION, f"CPU per turn, a transaction each, {kind}", alone, "ms", alone_runs)
        )
        grouped, grouped_runs = median("cpu_grouped")
        report.add(
            Figure(
                SECTION,
                f"CPU per turn, group commits of {BATCH}, {kind}",
                grouped,
                "ms",
                grouped_runs,
                baseline=f"CPU per turn, a transaction each, {kind}",
            )
        )
