"""The throttle's memory stays bounded, and argon2 checks never pile up without end."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher, profiles

from admin.passwords import Busy, PasswordChecks
from admin.throttle import Limit, Throttle

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def test_attempts_on_countless_invented_accounts_keep_memory_bounded() -> None:
    throttle = Throttle(max_keys=1_000)
    for n in range(50_000):
        throttle.failed(f"invented{n}@x.test", f"10.0.{n // 250}.{n % 250}", NOW)
    assert len(throttle) <= 1_000


def test_a_window_slides() -> None:
    throttle = Throttle(per_account=Limit(3, timedelta(minutes=10)))
    for minutes in (0, 4, 8):
        throttle.failed("a@x.test", "10.0.0.1", NOW + timedelta(minutes=minutes))
    assert throttle.blocked("a@x.test", "10.0.0.2", NOW + timedelta(minutes=9))
    assert not throttle.blocked("a@x.test", "10.0.0.2", NOW + timedelta(minutes=10, seconds=1))


def test_checks_beyond_those_that_may_wait_are_refused_at_once() -> None:
    checks = PasswordChecks(
        PasswordHasher.from_parameters(profiles.CHEAPEST), concurrent=1, waiting=1
    )
    release = threading.Event()

    async def scenario() -> list[object]:
        held = asyncio.ensure_future(checks.run(release.wait))
        queued = asyncio.ensure_future(checks.run(lambda: True))
        await asyncio.sleep(0)  # let both be admitted
        with pytest.raises(Busy):
            await checks.run(lambda: True)
        release.set()
        return list(await asyncio.gather(held, queued))

    assert asyncio.run(scenario()) == [True, True]
