"""Passwords: hashed with argon2id (argon2-cffi), checked against a list of common
passwords, and verified a few at a time.

argon2 is made to be costly: with the RFC 9106 low-memory profile each hash or check
takes 64 MiB and tens of milliseconds. `PasswordChecks` lets only as many run at once as
there are cores, and refuses at once (`Busy`) when too many already wait, so that a
flood of sign-in attempts can neither exhaust memory nor queue without end.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable
from typing import TypeVar

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.concurrency import run_in_threadpool

__all__ = [
    "MIN_LENGTH",
    "Busy",
    "PasswordChecks",
    "default_hasher",
    "password_problem",
]

MIN_LENGTH = 8
T = TypeVar("T")


def default_hasher() -> PasswordHasher:
    return PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)


@functools.cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    # zxcvbn's 30,000 most common passwords, and words a Guinean attacker would try first.
    local = {"motdepasse", "azertyuiop", "conakry", "conakry1", "guinee", "guinee224", "orienta"}
    return frozenset(FREQUENCY_LISTS["passwords"]) | local


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why `password` may not be chosen (a French sentence), or None when it may."""
    from admin.i18n import lazy

    if len(password) < MIN_LENGTH:
        return str(lazy("Le mot de passe doit compter au moins 8 caractères."))
    folded = password.casefold()
    local_part = email.casefold().partition("@")[0]
    if folded in _common_passwords() or (local_part and folded == local_part):
        return str(lazy("Ce mot de passe est trop courant : choisissez-en un autre, plus long."))
    return None


class Busy(Exception):
    """Too many password checks are already waiting: try again in a moment."""


class PasswordChecks:
    """Hashing and verifying, bounded: `concurrent` at a time, `waiting` more at most."""

    def __init__(
        self,
        hasher: PasswordHasher | None = None,
        *,
        concurrent: int | None = None,
        waiting: int = 16,
    ) -> None:
        self.hasher = hasher or default_hasher()
        self._slots = asyncio.Semaphore(concurrent or os.cpu_count() or 2)
        self._admitted = 0
        self._limit = (concurrent or os.cpu_count() or 2) + waiting
        # A hash to verify against when the account does not exist, so that an unknown
        # e-mail takes as long as a wrong password (no account enumeration by timing).
        self._decoy = self.hasher.hash("decoy password, never chosen")

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    async def run(self, work: Callable[[], T]) -> T:
        if self._admitted >= self._limit:
            raise Busy
        self._admitted += 1
        try:
            async with self._slots:
                return await run_in_threadpool(work)
        finally:
            self._admitted -= 1

    async def hash_async(self, password: str) -> str:
        return await self.run(lambda: self.hasher.hash(password))

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        """Whether `password` matches `stored_hash` (None: no such account; still as slow)."""

        def check() -> bool:
            try:
                return self.hasher.verify(stored_hash or self._decoy, password) and bool(
                    stored_hash
                )
            except (VerificationError, InvalidHashError):
                return False

        return await self.run(check)
