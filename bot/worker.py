"""Background work: the outbox dispatcher and the scheduler (APScheduler 3, `bot.jobs`).

`orienta worker` runs both (any number of workers on PostgreSQL: the scheduler's rows
are claimed with SKIP LOCKED and keyed, so two schedulers never send twice); `orienta
serve` runs them inside the web process, the embedded default on SQLite.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.app import Orienta
from bot.channels.base import Sender
from bot.channels.email import EmailSender
from bot.channels.telegram import TelegramSender
from bot.channels.twilio import TwilioSender
from bot.dispatcher import Dispatcher
from bot.jobs import Jobs, build_scheduler
from bot.settings import Settings
from bot.types import Channel
from bot.voice import VoiceFile, voice_loader

__all__ = ["build_dispatcher", "build_senders", "run_worker", "start_scheduler"]

log = logging.getLogger(__name__)


def build_senders(
    settings: Settings, voice_files: Callable[[str], VoiceFile | None] | None = None
) -> dict[str, Sender]:
    """A sender for every channel whose credentials are configured."""
    senders: dict[str, Sender] = {}
    s = settings
    twilio_senders: tuple[tuple[Channel, str], ...] = (
        ("sms", s.twilio_sms_from),
        ("whatsapp", s.twilio_whatsapp_from),
    )
    if s.twilio_account_sid and s.twilio_auth_token:
        for channel, sender in twilio_senders:
            if sender:
                senders[channel] = TwilioSender(
                    channel,
                    account_sid=s.twilio_account_sid,
                    auth_token=s.twilio_auth_token,
                    sender=sender,
                    public_base_url=s.public_base_url,
                    api_base_url=s.twilio_api_base_url,
                    template_sid=s.twilio_whatsapp_template_sid if channel == "whatsapp" else "",
                )
    if s.telegram_bot_token:
        senders["telegram"] = TelegramSender(
            s.telegram_bot_token, s.telegram_api_base_url, voice_files=voice_files
        )
    if s.smtp_host:
        senders["email"] = EmailSender(
            host=s.smtp_host,
            port=s.smtp_port,
            user=s.smtp_user,
            password=s.smtp_password,
            sender=s.smtp_from or s.smtp_user,
            starttls=s.smtp_starttls,
        )
    return senders


def start_scheduler(orienta: Orienta) -> Any:
    """APScheduler running Orienta's periodic jobs on this event loop (stop it with
    `.shutdown(wait=False)`)."""
    jobs = Jobs(orienta.sessions, orienta.engine, orienta.settings, orienta.engine.clock)
    scheduler = build_scheduler(jobs, asyncio.to_thread)
    scheduler.start()
    return scheduler


def build_dispatcher(orienta: Orienta, senders: dict[str, Sender]) -> Dispatcher:
    s = orienta.settings
    return Dispatcher(
        orienta.sessions,
        senders,
        clock=orienta.engine.clock,
        rates={
            "sms": s.twilio_messages_per_second,
            "whatsapp": s.twilio_messages_per_second,
            "telegram": s.telegram_messages_per_second,  # Bot API: about 30 a second overall
        },
        per_chat_interval={"telegram": s.telegram_seconds_per_chat},  # about 1/s in one chat
        stale_after=timedelta(seconds=s.outbox_stale_after_seconds),
    )


async def run_worker(orienta: Orienta, stop: asyncio.Event | None = None) -> None:
    """Dispatch until SIGTERM/SIGINT (or `stop`)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    senders = build_senders(orienta.settings, voice_loader(orienta.sessions))
    log.warning("worker started; sending on: %s", ", ".join(sorted(senders)) or "nothing")
    dispatcher = build_dispatcher(orienta, senders)
    scheduler = start_scheduler(orienta)
    try:
        await dispatcher.run(stop)
    finally:
        scheduler.shutdown(wait=False)
        for sender in senders.values():
            await sender.aclose()
