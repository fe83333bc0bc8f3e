"""The conversation engine: one inbound message in, replies out, in one transaction."""

from __future__ import annotations

from bot.engine.engine import Engine

__all__ = ["Engine"]
