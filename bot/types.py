"""Type aliases shared across Orienta. Only aliases live here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

Channel = str
"""The name of a registered channel type ("sms", "whatsapp", "telegram", "email", or a
plug-in's: bot/channels/registry.py)."""

AnswerValue = str | list[str]
Answers = dict[str, AnswerValue]

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware (UTC). Injected so tests control time."""
