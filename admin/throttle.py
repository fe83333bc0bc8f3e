"""Sign-in throttling: after too many failed attempts on one account, or from one client
address, further attempts are refused for a while without checking the password at all.

Counts live in this process's memory, in a table of bounded size (the oldest keys go
first), so that attempts on millions of invented accounts cannot fill memory. With
several web processes each counts its own attempts: the limit is per process.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["Throttle"]


@dataclass(frozen=True)
class Limit:
    failures: int
    window: timedelta


class Throttle:
    """Failed attempts per key (`account:<email>`, `address:<ip>`) over a sliding window."""

    def __init__(
        self,
        *,
        per_account: Limit = Limit(5, timedelta(minutes=15)),
        per_address: Limit = Limit(20, timedelta(minutes=15)),
        max_keys: int = 10_000,
    ) -> None:
        self.per_account = per_account
        self.per_address = per_address
        self.max_keys = max_keys
        self._failures: OrderedDict[str, deque[datetime]] = OrderedDict()

    def _recent(self, key: str, limit: Limit, now: datetime) -> int:
        times = self._failures.get(key)
        if times is None:
            return 0
        while times and times[0] <= now - limit.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return 0
        return len(times)

    def blocked(self, email: str, address: str, now: datetime) -> bool:
        """Whether an attempt on `email` from `address` must be refused now."""
        return (
            self._recent(f"account:{email}", self.per_account, now) >= self.per_account.failures
            or self._recent(f"address:{address}", self.per_address, now)
            >= self.per_address.failures
        )

    def failed(self, email: str, address: str, now: datetime) -> None:
        for key, limit in (
            (f"account:{email}", self.per_account),
            (f"address:{address}", self.per_address),
        ):
            times = self._failures.pop(key, None) or deque(maxlen=limit.failures)
            times.append(now)
            self._failures[key] = times  # most recent last: the oldest keys are dropped
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)

    def succeeded(self, email: str) -> None:
        """A right password clears the account's count (not the address's)."""
        self._failures.pop(f"account:{email}", None)

    def __len__(self) -> int:
        return len(self._failures)
