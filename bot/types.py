"""Type aliases shared across Orienta. Only aliases live here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

Channel = Literal["sms", "whatsapp", "telegram", "console", "email"]
CHANNELS: tuple[Channel, ...] = ("sms", "whatsapp", "telegram", "console")

LanguageCode = str
"""One of bot.i18n.LANGUAGES: "fr", "ff", "emk", "sus", "en"."""

AnswerValue = str | list[str]
Answers = dict[str, AnswerValue]
JSON = dict[str, Any]

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware (UTC). Injected so tests control time."""
