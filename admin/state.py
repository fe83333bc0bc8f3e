"""What the admin's pages share for the life of the process: Orienta (settings, database,
engine), the clock, password checks, sign-in throttling and session lifetimes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from admin.passwords import PasswordChecks
from admin.sessions import Lifetimes
from admin.throttle import Throttle
from bot.app import Orienta
from bot.settings import Settings

__all__ = ["AdminState"]


@dataclass
class AdminState:
    orienta: Orienta
    passwords: PasswordChecks
    throttle: Throttle = field(default_factory=Throttle)
    lifetimes: Lifetimes = field(default_factory=Lifetimes)

    @property
    def settings(self) -> Settings:
        return self.orienta.settings

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.orienta.engine.clock

    @property
    def https(self) -> bool:
        return self.settings.public_base_url.startswith("https://")
