"""The time: `utcnow`, the clock every component gets unless a test injects its own."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["utcnow"]


def utcnow() -> datetime:
    """Now, timezone-aware, in UTC (how every time is stored)."""
    return datetime.now(UTC)
