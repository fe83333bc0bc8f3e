"""`make bench` / `python -m bench [section ...]`: every benchmark, one table, and the
same figures as JSON in bench/results/latest.json.

Sections run in this order; name some to run only those (`python -m bench inbound cost`).
ORIENTA_BENCH_RUNS sets how many runs each median is taken over (default 3).
"""

from __future__ import annotations

import importlib
import logging
import sys
import time

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from bench.common import POSTGRES_ADMIN_URL, RESULTS, RUNS, Report

SECTIONS = ["turns", "inbound", "telegram", "latency", "fanout", "scaleout", "cost"]


def postgres_reachable() -> bool:
    engine = create_engine(POSTGRES_ADMIN_URL)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


def main(argv: list[str]) -> int:
    logging.disable(logging.WARNING)  # the app's warnings (no hotline…) are not figures
    chosen = argv or SECTIONS
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        print(f"unknown section(s): {', '.join(unknown)}; known: {', '.join(SECTIONS)}")
        return 2
    if chosen != ["cost"] and not postgres_reachable():
        print(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: start it (as .ci/run does) "
            "or set ORIENTA_BENCH_POSTGRES_URL to an admin URL."
        )
        return 2
    report = Report()
    started = time.monotonic()
    for name in chosen:
        print(f"# {name}", flush=True)
        t0 = time.monotonic()
        importlib.import_module(f"bench.{name}").run(report)
        print(f"  ({time.monotonic() - t0:.0f} s)", flush=True)
    report.notes.append(
        f"Medians of {RUNS} runs; {time.monotonic() - started:.0f} s in all. "
        "Ratios are against the baseline named in each section, measured in the same run."
    )
    print()
    print(report.table())
    path = RESULTS / ("latest.json" if chosen == SECTIONS else "partial.json")
    report.write(path)
    print(f"\nwritten to {path.relative_to(RESULTS.parent.parent)}")
    missed = [f for f in report.figures if f.met is False]
    return 1 if missed and "--strict" in sys.argv else 0


if __name__ == "__main__":
    sys.exit(main([a for a in sys.argv[1:] if not a.startswith("--")]))
