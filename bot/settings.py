"""Settings, read from the environment and an optional `.env` file.

Every setting has a safe local default except the secrets of a PostgreSQL deployment:
locally (SQLite) secrets are generated once into `var/` and reused; with several
processes on PostgreSQL they must be given, because each process would generate its own.
"""

from __future__ import annotations

import math
import os
import re
import secrets
from collections import ChainMap
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from bot.errors import ConfigError

__all__ = ["Hotline", "OfficeHours", "Settings", "load_settings"]


@dataclass(frozen=True)
class Hotline:
    label: str
    number: str
    region: str | None = None
    """The region it serves, as written in the setting (`Kankan:Label=number`); None
    for a number that serves everywhere."""


@dataclass(frozen=True)
class OfficeHours:
    """When staff read requests for help: these weekdays (0 = Monday), these local times."""

    days: frozenset[int] = frozenset(range(5))
    opens: time = time(8, 0)
    closes: time = time(17, 0)


@dataclass(frozen=True)
class Settings:
    database_url: str
    var_dir: Path
    timezone: str = "Africa/Conakry"
    hotlines: tuple[Hotline, ...] = ()
    secret_key: str = ""
    identity_key: str = ""
    public_base_url: str = ""
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    telegram_bot_token: str = ""
    telegram_webhook_secret: str = ""
    telegram_api_base_url: str = ""
    telegram_seconds_per_chat: float = 1.0
    telegram_messages_per_second: float = 30.0
    twilio_api_base_url: str = "https://api.twilio.com"
    twilio_sms_from: str = ""
    twilio_whatsapp_from: str = ""
    twilio_whatsapp_template_sid: str = ""
    twilio_messages_per_second: float = 10.0
    outbox_stale_after_seconds: float = 120.0
    resume_after_hours: float = 6.0
    max_retries: int = 3
    oral_first_languages: frozenset[str] = frozenset()
    """Languages whose speakers get recorded prompts unless they write TEXTE."""
    telegram_bot_username: str = ""
    """For referral deep links (https://t.me/<username>?start=<code>)."""
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    smtp_starttls: bool = True
    reminder_hours: tuple[float, ...] = (24.0, 2.0)
    """Reminders this many hours before a booked slot."""
    quiet_start: time = time(21, 0)
    quiet_end: time = time(7, 0)
    """No message Orienta starts (reminder, follow-up, nudge) between these local times."""
    job_grace_hours: float = 12.0
    """A scheduled message missed by more than this (the worker was down) is dropped."""
    followup_hour: int = 10
    """Local hour of the "did you go?" message, the day after the appointment."""
    nudge_after_hours: float = 48.0
    daily_list_hour: int = 18
    """Local hour at which partners get the list of the next day's bookings."""
    lead_hours_other_prefecture: float = 48.0
    lead_hours_other_region: float = 72.0
    """The first slot offered for a service in another prefecture (region) than the
    person's starts at least this long from now: time to arrange the journey."""
    office_hours: OfficeHours = OfficeHours()
    """When staff answer: what a person asking for help is told (bot/engine/help.py)."""
    trusted_proxies: frozenset[str] = frozenset()
    """Addresses of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are
    believed (sign-in throttling per client address, secure cookies behind https)."""
    admin_idle_minutes: float = 120.0
    admin_session_hours: float = 12.0
    """A staff session ends after this long without a request, or this long after sign-in."""
    kept_text_key: str = ""
    """The key (Fernet) of the messages kept while a help episode is open; empty: one
    derived from SECRET_KEY (bot/engine/kept.py)."""
    kept_text_days: float = 30.0
    """Kept messages are deleted this many days after their episode is closed."""
    urgent_notify_after_minutes: float = 10.0
    urgent_notify_every_minutes: float = 30.0
    """An urgent request nobody took after this long notifies the on-duty staff, and
    again at this interval until it is taken."""
    on_duty: tuple[tuple[str, str], ...] = ()
    """Who is told of urgent requests waiting: (channel, address), channel sms | email."""

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _parse_hotlines(raw: str) -> tuple[Hotline, ...]:
    """`HOTLINE_NUMBERS="Kankan:Croix-Rouge Kankan=+224 ...;Police=117"` → hotlines, in
    that order; a `Region:` prefix limits a number to the people of that region."""
    hotlines = []
    for item in raw.split(";"):
        item = item.strip()
        if not item:
            continue
        label, sep, number = item.partition("=")
        region, colon, label = label.rpartition(":") if ":" in label else ("", "", label)
        if not sep or not label.strip() or not number.strip() or (colon and not region.strip()):
            raise ConfigError(
                f"Config 'HOTLINE_NUMBERS' has an entry {item!r} that is not "
                "'Label=number' or 'Region:Label=number'."
            )
        hotlines.append(Hotline(label.strip(), number.strip(), region.strip() or None))
    return tuple(hotlines)


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_OFFICE_HOURS = re.compile(
    r"\s*(?P<first>[a-z]{3})(?:\s*-\s*(?P<last>[a-z]{3}))?\s+"
    r"(?P<opens>\d{1,2}:\d{2})\s*-\s*(?P<closes>\d{1,2}:\d{2})\s*"
)


def _office_hours(env: Mapping[str, str]) -> OfficeHours:
    """`ORIENTA_OFFICE_HOURS="mon-fri 08:00-17:00"` (weekdays in English, local times)."""
    raw = env.get("ORIENTA_OFFICE_HOURS", "").strip().lower()
    if not raw:
        return OfficeHours()
    match = _OFFICE_HOURS.fullmatch(raw)
    days = [match.group("first"), match.group("last") or match.group("first")] if match else []
    if match is None or any(d not in _WEEKDAYS for d in days):
        raise ConfigError(
            f"Config 'ORIENTA_OFFICE_HOURS' must look like 'mon-fri 08:00-17:00', not {raw!r}."
        )
    first, last = (_WEEKDAYS.index(d) for d in days)
    span = range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
    try:
        opens, closes = (time.fromisoformat(match.group(g).zfill(5)) for g in ("opens", "closes"))
    except ValueError:
        raise ConfigError(
            f"Config 'ORIENTA_OFFICE_HOURS' has a time that is not one: {raw!r}."
        ) from None
    if closes <= opens:
        raise ConfigError("Config 'ORIENTA_OFFICE_HOURS' must close after it opens.")
    return OfficeHours(frozenset(span), opens, closes)


def _secret(env: Mapping[str, str], name: str, var_dir: Path, local: bool) -> str:
    value = env.get(name, "").strip()
    if value:
        return value
    if not local:
        raise ConfigError(
            f"Config '{name}' is missing, and has no default with a PostgreSQL database: "
            "every process must share the same value."
        )
    path = var_dir / name.lower()
    if path.exists() and path.read_text().strip():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    # Write aside, then link into place: a reader never sees a half-written key, and if
    # another process got there first, its key wins.
    tmp = var_dir / f".{name.lower()}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value + "\n")
        f.flush()
        os.fsync(f.fileno())
    try:
        if path.exists():  # empty: left by a process stopped while writing it
            path.unlink()
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text().strip()


def _number(env: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"Config '{name}' must be a number, not {raw!r}.") from None
    if not math.isfinite(value) or value < minimum:
        raise ConfigError(f"Config '{name}' must be a number of at least {minimum:g}, not {raw!r}.")
    return value


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
) -> Settings:
    """Settings from `environ` (default: os.environ) over the values of `env_file`."""
    from_file: dict[str, str] = {}
    if env_file is not None and Path(env_file).exists():
        from_file = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    # Looked up in place, never copied: the environment wins over the file (and a test
    # can see which names are read).
    given = cast(MutableMapping[str, str], os.environ if environ is None else environ)
    env: Mapping[str, str] = ChainMap(given, from_file)

    var_dir = Path(env.get("ORIENTA_VAR_DIR", "var")).resolve()
    database_url = env.get("DATABASE_URL", "").strip() or f"sqlite:///{var_dir / 'orienta.db'}"
    if database_url.startswith("postgres://"):  # Heroku-style URLs
        database_url = "postgresql://" + database_url.removeprefix("postgres://")
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    local = database_url.startswith("sqlite")

    timezone = env.get("ORIENTA_TIMEZONE", "").strip() or "Africa/Conakry"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"Config 'ORIENTA_TIMEZONE' is not a known time zone: {timezone!r}."
        ) from None

    max_retries = _number(env, "ORIENTA_MAX_RETRIES", 3.0, minimum=1)
    if not max_retries.is_integer():
        raise ConfigError(
            f"Config 'ORIENTA_MAX_RETRIES' must be a whole number, not {max_retries:g}."
        )

    return Settings(
        database_url=database_url,
        var_dir=var_dir,
        timezone=timezone,
        hotlines=_parse_hotlines(env.get("HOTLINE_NUMBERS", "")),
        secret_key=_secret(env, "SECRET_KEY", var_dir, local),
        identity_key=_secret(env, "IDENTITY_KEY", var_dir, local),
        public_base_url=env.get("PUBLIC_BASE_URL", "").strip().rstrip("/"),
        twilio_account_sid=env.get("TWILIO_ACCOUNT_SID", "").strip(),
        twilio_auth_token=env.get("TWILIO_AUTH_TOKEN", "").strip(),
        telegram_bot_token=env.get("TELEGRAM_BOT_TOKEN", "").strip(),
        telegram_webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET", "").strip(),
        telegram_api_base_url=env.get("TELEGRAM_API_BASE_URL", "").strip().rstrip("/"),
        telegram_seconds_per_chat=_number(env, "TELEGRAM_SECONDS_PER_CHAT", 1.0, minimum=0),
        telegram_messages_per_second=_number(
            env, "TELEGRAM_MESSAGES_PER_SECOND", 30.0, minimum=0.01
        ),
        twilio_api_base_url=(
            env.get("TWILIO_API_BASE_URL", "").strip().rstrip("/") or "https://api.twilio.com"
        ),
        twilio_sms_from=env.get("TWILIO_SMS_FROM", "").strip(),
        twilio_whatsapp_from=env.get("TWILIO_WHATSAPP_FROM", "").strip().removeprefix("whatsapp:"),
        twilio_whatsapp_template_sid=env.get("TWILIO_WHATSAPP_TEMPLATE_SID", "").strip(),
        twilio_messages_per_second=_number(env, "TWILIO_MESSAGES_PER_SECOND", 10.0, minimum=0.01),
        outbox_stale_after_seconds=_number(env, "OUTBOX_STALE_AFTER_SECONDS", 120.0, minimum=1),
        resume_after_hours=_number(env, "ORIENTA_RESUME_AFTER_HOURS", 6.0, minimum=0),
        max_retries=int(max_retries),
        oral_first_languages=_languages(env, "ORIENTA_ORAL_FIRST_LANGUAGES"),
        telegram_bot_username=env.get("TELEGRAM_BOT_USERNAME", "").strip().lstrip("@"),
        smtp_host=env.get("SMTP_HOST", "").strip(),
        smtp_port=int(_number(env, "SMTP_PORT", 587.0, minimum=1)),
        smtp_user=env.get("SMTP_USER", "").strip(),
        smtp_password=env.get("SMTP_PASSWORD", ""),
        smtp_from=env.get("SMTP_FROM", "").strip(),
        smtp_starttls=_flag(env, "SMTP_STARTTLS", True),
        reminder_hours=_hours_list(env, "ORIENTA_REMINDER_HOURS", (24.0, 2.0)),
        quiet_start=_clock_time(env, "ORIENTA_QUIET_START", time(21, 0)),
        quiet_end=_clock_time(env, "ORIENTA_QUIET_END", time(7, 0)),
        job_grace_hours=_number(env, "ORIENTA_JOB_GRACE_HOURS", 12.0, minimum=0),
        followup_hour=_hour(env, "ORIENTA_FOLLOWUP_HOUR", 10),
        nudge_after_hours=_number(env, "ORIENTA_NUDGE_AFTER_HOURS", 48.0, minimum=1),
        daily_list_hour=_hour(env, "ORIENTA_DAILY_LIST_HOUR", 18),
        lead_hours_other_prefecture=_number(
            env, "ORIENTA_LEAD_HOURS_OTHER_PREFECTURE", 48.0, minimum=0
        ),
        lead_hours_other_region=_number(env, "ORIENTA_LEAD_HOURS_OTHER_REGION", 72.0, minimum=0),
        office_hours=_office_hours(env),
        trusted_proxies=frozenset(
            a.strip() for a in env.get("ORIENTA_TRUSTED_PROXIES", "").split(",") if a.strip()
        ),
        admin_idle_minutes=_number(env, "ORIENTA_ADMIN_IDLE_MINUTES", 120.0, minimum=1),
        admin_session_hours=_number(env, "ORIENTA_ADMIN_SESSION_HOURS", 12.0, minimum=0.1),
        kept_text_key=env.get("ORIENTA_KEPT_TEXT_KEY", "").strip(),
        kept_text_days=_number(env, "ORIENTA_KEPT_TEXT_DAYS", 30.0, minimum=0),
        urgent_notify_after_minutes=_number(
            env, "ORIENTA_URGENT_NOTIFY_AFTER_MINUTES", 10.0, minimum=0
        ),
        urgent_notify_every_minutes=_number(
            env, "ORIENTA_URGENT_NOTIFY_EVERY_MINUTES", 30.0, minimum=1
        ),
        on_duty=_on_duty(env.get("ORIENTA_ON_DUTY", "")),
    )


def _on_duty(raw: str) -> tuple[tuple[str, str], ...]:
    """`ORIENTA_ON_DUTY="sms:+224600000000,email:permanence@ong.example"`."""
    people = []
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        channel, _, address = item.partition(":")
        if channel.strip() not in ("sms", "email") or not address.strip():
            raise ConfigError(
                f"Config 'ORIENTA_ON_DUTY' has an entry {item!r} that is not 'sms:+224…' "
                "or 'email:someone@example.org'."
            )
        people.append((channel.strip(), address.strip()))
    return tuple(people)


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"Config '{name}' must be true or false, not {raw!r}.")


def _hours_list(env: Mapping[str, str], name: str, default: tuple[float, ...]) -> tuple[float, ...]:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    values = []
    for item in raw.split(","):
        try:
            value = float(item)
        except ValueError:
            raise ConfigError(
                f"Config '{name}' must list hours separated by commas (e.g. 24,2), not {raw!r}."
            ) from None
        if not math.isfinite(value) or value <= 0:
            raise ConfigError(f"Config '{name}' must list positive hours, not {raw!r}.")
        values.append(value)
    return tuple(sorted(set(values), reverse=True))


def _clock_time(env: Mapping[str, str], name: str, default: time) -> time:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return time.fromisoformat(raw if len(raw) > 2 else f"{int(raw):02d}:00")
    except ValueError:
        raise ConfigError(f"Config '{name}' must be a time such as 21:00, not {raw!r}.") from None


def _hour(env: Mapping[str, str], name: str, default: int) -> int:
    value = _number(env, name, float(default), minimum=0)
    if not value.is_integer() or value > 23:
        raise ConfigError(f"Config '{name}' must be an hour from 0 to 23, not {value:g}.")
    return int(value)


def _languages(env: Mapping[str, str], name: str) -> frozenset[str]:
    from bot.i18n.languages import codes as known

    codes = frozenset(c.strip() for c in env.get(name, "").split(",") if c.strip())
    unknown = sorted(codes - set(known()))
    if unknown:
        raise ConfigError(
            f"Config '{name}' lists unknown language(s) {', '.join(unknown)}; "
            f"known: {', '.join(known())}."
        )
    return codes
