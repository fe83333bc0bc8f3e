"""Nobody waits unseen: an urgent request for help that nobody took tells the staff on
duty (ORIENTA_ON_DUTY), ORIENTA_URGENT_NOTIFY_AFTER_MINUTES after it was opened, and
again every ORIENTA_URGENT_NOTIFY_EVERY_MINUTES until someone takes it.

One message to each person on duty per round, however many requests wait. It says how
many wait, since when (local time) and where to look, and nothing else: no words of the
person, no name, no number, no category (a staff phone can be seen by others too).
Office hours and quiet hours do not hold it back. Test people of the simulator never
count (policy.real_people). Sent by SMS or e-mail through the outbox's one writer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.i18n.translate import M, translate
from bot.outbox import policy
from bot.outbox.writer import OutboxWriter
from bot.settings import Settings
from bot.storage.models import Contact, HelpEpisode

__all__ = ["notify_untaken", "waiting_text"]

log = logging.getLogger(__name__)

WAITING_ONE = M(
    "staff.urgent_waiting",
    "Orienta : une demande d'aide urgente attend — depuis {since}, personne ne l'a "
    "encore prise. À voir : {where}",
)
WAITING_MANY = M(
    "staff.urgent_waiting_many",
    "Orienta : {count} demandes d'aide urgentes attendent — la première depuis {since}, "
    "personne ne les a encore prises. À voir : {where}",
)
WHERE = M("staff.urgent_where", "la boîte de réception de l'admin d'Orienta")


def notify_untaken(
    session: Session, settings: Settings, writer: OutboxWriter, now: datetime
) -> int:
    """Tell each person on duty, in one message, of the urgent requests nobody took,
    when one of them is due: opened at least ORIENTA_URGENT_NOTIFY_AFTER_MINUTES ago,
    and not told of for ORIENTA_URGENT_NOTIFY_EVERY_MINUTES. The message counts every
    such request, due or told of lately, and each of them is marked told of now (one
    rhythm for all). Runs in the caller's transaction; the number of messages queued."""
    if not settings.on_duty:
        return 0
    after = timedelta(minutes=settings.urgent_notify_after_minutes)
    every = timedelta(minutes=settings.urgent_notify_every_minutes)
    query = (
        select(HelpEpisode)
        .join(Contact, Contact.id == HelpEpisode.contact_id)
        .where(
            HelpEpisode.kind == "urgent",
            HelpEpisode.state == "requested",  # nobody took it
            HelpEpisode.opened_at <= now - after,
            policy.real_people(),
        )
        .order_by(HelpEpisode.opened_at, HelpEpisode.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Another scheduler's round, or staff taking one now: those rows are skipped.
        query = query.with_for_update(skip_locked=True, of=HelpEpisode)
    waiting = session.scalars(query).all()
    due = [e for e in waiting if e.notified_at is None or e.notified_at <= now - every]
    if not due:
        return 0
    text = waiting_text(waiting, settings, now)
    first = min(waiting, key=lambda e: e.id)
    # A round is named by its oldest episode and how often staff were told of it: no
    # later round has both, so writing a round twice is refused.
    round_key = f"{policy.ON_DUTY_KEY}urgent:{first.id}.{first.notifications or 0}"
    queued = 0
    for index, (channel, address) in enumerate(settings.on_duty):
        if writer.to_staff(session, channel, address, text, f"{round_key}:{index}", now):
            queued += 1
    if queued == 0:
        log.error("%d urgent request(s) wait and nobody on duty can be told", len(waiting))
        return 0
    for episode in waiting:
        episode.notified_at = now
        episode.notifications = (episode.notifications or 0) + 1
    log.warning("%d urgent request(s) wait untaken: on-duty staff told", len(waiting))
    return queued


def waiting_text(waiting: Sequence[HelpEpisode], settings: Settings, now: datetime) -> str:
    """The message to staff, in French: how many wait, since when, where to look."""
    tz = settings.tz
    oldest = min(e.opened_at for e in waiting).astimezone(tz)
    since = oldest.strftime(
        "%H:%M" if oldest.date() == now.astimezone(tz).date() else "%d/%m %H:%M"
    )
    if settings.public_base_url:
        where = f"{settings.public_base_url}/admin/inbox"
    else:
        where = translate(WHERE, "fr")
    if len(waiting) == 1:
        return translate(WAITING_ONE, "fr", since=since, where=where)
    return translate(WAITING_MANY, "fr", count=len(waiting), since=since, where=where)
