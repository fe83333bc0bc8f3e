"""Flows: declarative conversations, executed by `bot.flows.runner`."""

from __future__ import annotations

from bot.flows.model import Flow
from bot.flows.orientation import ORIENTATION

__all__ = ["FLOWS", "ORIENTATION"]

FLOWS: dict[str, Flow] = {ORIENTATION.id: ORIENTATION}
