"""Delivery states: what becomes of a row once it was handed to a provider.

    queued → sending → sent → delivered → read        (forward only)
                     ↘ queued again, later            (a transient failure)
                     ↘ failed                          (permanent, or attempts used up)

Status reports move a row forward only, because they can arrive out of order; a failure
ends a row not delivered yet. An important message that fails on its channel falls back
to another (bot/outbox/writer.py, `fallback`). A person who unsubscribed at the provider
is treated as having written STOP; an address the provider says is unreachable is not
written to again until the person writes from it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.channels.gateway import DeliveryReport
from bot.outbox.writer import OutboxWriter
from bot.storage.models import ChannelIdentity, Contact, OutboxMessage

__all__ = ["DELIVERY_ORDER", "MAX_ATTEMPTS", "Backoff", "Delivery"]

MAX_ATTEMPTS = 14  # with the backoff below: about 1 h 40 min of retries
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 900.0
DELIVERY_ORDER = {"queued": 0, "sending": 1, "sent": 2, "delivered": 3, "read": 4}
"""Delivery states in the order they happen."""


@dataclass
class Backoff:
    """How long to wait before the n-th attempt: doubling, capped, with jitter so that
    retries do not arrive together."""

    rng: random.Random

    def seconds(self, attempts: int) -> float:
        base = min(BACKOFF_BASE_SECONDS * 2.0 ** (attempts - 1), BACKOFF_MAX_SECONDS)
        return base * self.rng.uniform(0.5, 1.5)


class Delivery:
    """Records what providers say of the rows sent. Functions take the caller's session."""

    def __init__(self, writer: OutboxWriter, backoff: Backoff) -> None:
        self.writer = writer
        self.backoff = backoff

    def report(self, session: Session, report: DeliveryReport, now: datetime) -> bool:
        """Apply a provider's status report; False when no row has its key."""
        row = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.idempotency_key == report.key)
            .with_for_update()
        ).one_or_none()
        if row is None:
            return False
        if row.provider_message_id is None:
            row.provider_message_id = report.provider_id  # we crashed before recording it
        if report.status == "failed":
            if row.status not in ("delivered", "read"):
                row.status, row.last_error = "failed", report.error[:255]
                self.writer.fallback(session, row, now)
        elif DELIVERY_ORDER.get(report.status, -1) > DELIVERY_ORDER.get(row.status, -1):
            row.status = report.status
        if row.status in ("sent", "delivered", "read") and row.sent_at is None:
            row.sent_at = now
        row.updated_at = now
        if report.opted_out:
            self._opt_out(session, row.identity_id, now)
        return True

    def retry(
        self,
        session: Session,
        row_id: int,
        attempts: int,
        reason: str,
        wait: float | None,
        now: datetime,
    ) -> None:
        """A transient failure: queued again after `wait` seconds (the provider's) or the
        backoff; failed once the attempts are used up."""
        row = session.get(OutboxMessage, row_id)
        if row is None:
            return
        if attempts >= MAX_ATTEMPTS:
            row.status = "failed"
            self.writer.fallback(session, row, now)
        else:
            delay = wait if wait is not None else self.backoff.seconds(attempts)
            row.status = "queued"
            row.due_at = now + timedelta(seconds=delay)
        row.updated_at = now
        row.last_error = reason[:255]

    def failed(
        self,
        session: Session,
        row_id: int,
        reason: str,
        now: datetime,
        *,
        unreachable: bool = False,
        opted_out: bool = False,
    ) -> None:
        """A permanent failure: the row is failed, falls back if it must reach the
        person, and the address is marked unreachable (or the person opted out) when the
        provider said so."""
        row = session.get(OutboxMessage, row_id)
        if row is None:
            return
        row.status = "failed"
        row.last_error = reason[:255]
        row.updated_at = now
        self.writer.fallback(session, row, now)
        if row.identity_id is None or not (unreachable or opted_out):
            return
        identity = session.get(ChannelIdentity, row.identity_id)
        if identity is not None:
            identity.unreachable_at = now
        if opted_out:
            self._opt_out(session, row.identity_id, now)

    @staticmethod
    def _opt_out(session: Session, identity_id: int | None, now: datetime) -> None:
        identity = session.get(ChannelIdentity, identity_id) if identity_id else None
        contact = session.get(Contact, identity.contact_id) if identity else None
        if contact is not None and contact.opted_out_at is None:
            contact.opted_out_at = now
