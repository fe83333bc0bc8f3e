"""The outbox dispatcher: claims due rows, sends them, records what happened.

Each row goes queued → sending → sent (→ delivered/read by status callbacks), or back
to queued with a later due time after a transient failure, or to failed. A row is
marked *sending* and committed before the provider call, so a crash can leave a row in
*sending* but never lose one. Such a row is reconciled after `stale_after`: the
provider is asked whether it already accepted it (Twilio's message list); only when it
says no is the row queued again. On PostgreSQL rows are claimed with
`FOR UPDATE SKIP LOCKED`, so several dispatchers can run; on SQLite run one.

A batch is sent all at once (its rows are in flight together), so a row never waits in
*sending* longer than one provider call (its timeout) plus pacing: `stale_after` must be
well above that, or a live dispatcher's row could be taken for a crashed one's.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.base import (
    NothingToSend,
    PermanentSendError,
    Sender,
    TransientSendError,
    UncertainSendError,
)
from bot.engine import utcnow
from bot.storage.models import ChannelIdentity, Contact, OutboxMessage, Partner
from bot.types import Clock

__all__ = ["Dispatcher", "Reconciler", "fall_back_to_sms"]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 14  # with the backoff below: about 1 h 40 min of retries
WHATSAPP_WINDOW = timedelta(hours=24)
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 900.0


@runtime_checkable
class Reconciler(Protocol):
    """A sender that can say whether the provider already accepted a message."""

    async def find_sent(
        self, address: str, payload: dict[str, Any], since: datetime
    ) -> str | None: ...


@dataclass(frozen=True)
class Claimed:
    id: int
    key: str
    channel: str
    address: str | None
    payload: dict[str, Any]
    attempts: int
    template: bool = False


class RateLimiter:
    """At most `per_second` calls per second, spread evenly (no bursts to the provider)."""

    def __init__(self, per_second: float, monotonic: Any = time.monotonic) -> None:
        self._interval = 1.0 / per_second
        self._next = 0.0
        self._monotonic = monotonic
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            now = self._monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self._interval
        if delay > 0:
            await asyncio.sleep(delay)


def fall_back_to_sms(session: Session, row: OutboxMessage, now: datetime) -> None:
    """Queue an important WhatsApp message that will not be delivered there again, as an
    SMS to the same phone (WhatsApp blocked, window closed, number not on WhatsApp)."""
    if row.channel != "whatsapp" or not row.payload.get("important"):
        return
    key = f"{row.idempotency_key}:sms"
    existing = select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)
    if session.scalars(existing).first() is not None:
        return
    whatsapp = session.get(ChannelIdentity, row.identity_id) if row.identity_id else None
    if whatsapp is None:
        return
    sms = session.scalars(
        select(ChannelIdentity).where(
            ChannelIdentity.channel == "sms",
            ChannelIdentity.address_hash == whatsapp.address_hash,
        )
    ).first()
    if sms is None:
        sms = ChannelIdentity(
            contact_id=whatsapp.contact_id,
            channel="sms",
            address_hash=whatsapp.address_hash,
            address=whatsapp.address,
            created_at=now,
        )
        session.add(sms)
        session.flush()
    session.add(
        OutboxMessage(
            idempotency_key=key,
            contact_id=row.contact_id,
            identity_id=sms.id,
            inbound_id=row.inbound_id,
            channel="sms",
            payload=row.payload,
            status="queued",
            due_at=now,
            created_at=now,
            updated_at=now,
        )
    )
    log.info("outbox row %s falls back to SMS", row.id)


class Dispatcher:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        senders: Mapping[str, Sender],
        *,
        clock: Clock = utcnow,
        rates: Mapping[str, float] | None = None,
        per_chat_interval: Mapping[str, float] | None = None,
        batch_size: int = 20,
        stale_after: timedelta = timedelta(minutes=2),
        rng: random.Random | None = None,
    ) -> None:
        self.sessions = sessions
        self.senders = dict(senders)
        self.clock = clock
        self.batch_size = batch_size
        self.stale_after = stale_after
        self._rng = rng or random.Random()
        self._limiters = {ch: RateLimiter(r) for ch, r in (rates or {}).items()}
        self._per_chat = dict(per_chat_interval or {})
        self._last_to: dict[tuple[str, str], float] = {}

    # -- database work (synchronous, run in a thread) ------------------------------------

    def _claim(self) -> list[Claimed]:
        now = self.clock()
        with self.sessions.begin() as session:
            query = (
                select(OutboxMessage)
                .where(
                    OutboxMessage.status == "queued",
                    OutboxMessage.due_at <= now,
                    OutboxMessage.channel.in_(list(self.senders)),
                )
                .order_by(OutboxMessage.due_at, OutboxMessage.id)
                .limit(self.batch_size)
            )
            if session.bind is not None and session.bind.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = session.scalars(query).all()
            claimed = []
            for row in rows:
                address = self._address_if_allowed(session, row)
                if address is None:
                    row.status = "cancelled"
                    row.updated_at = now
                    identity = session.get(ChannelIdentity, row.identity_id or 0)
                    if identity is not None and identity.unreachable_at is not None:
                        fall_back_to_sms(session, row, now)  # not on WhatsApp: try SMS
                    continue
                template = False
                if self._outside_whatsapp_window(session, row, now):
                    if not getattr(self.senders[row.channel], "template_sid", ""):
                        row.status = "window_closed"
                        row.last_error = "outside WhatsApp's 24-hour window, no template set"
                        row.updated_at = now
                        fall_back_to_sms(session, row, now)
                        continue
                    template = True
                row.status = "sending"
                row.attempts += 1
                row.updated_at = now
                claimed.append(
                    Claimed(
                        row.id,
                        row.idempotency_key,
                        row.channel,
                        address,
                        row.payload,
                        row.attempts,
                        template,
                    )
                )
            return claimed

    @staticmethod
    def _outside_whatsapp_window(session: Session, row: OutboxMessage, now: datetime) -> bool:
        """WhatsApp lets a business write freely only within 24 hours of the person's last
        message; a reply to a message just received is always inside."""
        if row.channel != "whatsapp" or row.inbound_id is not None or row.identity_id is None:
            return False
        identity = session.get(ChannelIdentity, row.identity_id)
        last = identity.last_inbound_at if identity else None
        return last is None or now - last > WHATSAPP_WINDOW

    @staticmethod
    def _address_if_allowed(session: Session, row: OutboxMessage) -> str | None:
        """Where to send `row`, or None when nobody may receive it any more."""
        if row.partner_id is not None:  # to a partner's focal point
            partner = session.get(Partner, row.partner_id)
            if partner is None or not partner.active or partner.focal_channel != row.channel:
                return None
            return partner.focal_address or None
        if row.identity_id is None:
            return None  # erased, or refused consent
        identity = session.get(ChannelIdentity, row.identity_id)
        if identity is None or identity.unreachable_at is not None:
            return None
        contact = session.get(Contact, identity.contact_id)
        # A reply to what the person just wrote goes out even after STOP (it may be the
        # STOP confirmation itself); anything Orienta starts does not.
        if contact is not None and contact.opted_out_at is not None and row.inbound_id is None:
            return None
        return identity.address

    def _record_sent(self, row_id: int, provider_id: str) -> None:
        now = self.clock()
        with self.sessions.begin() as session:
            session.execute(
                update(OutboxMessage)
                # 'queued' too: had a reconciler wrongly re-queued it, this stops a resend.
                .where(OutboxMessage.id == row_id, OutboxMessage.status.in_(("sending", "queued")))
                .values(
                    status="sent",
                    provider_message_id=provider_id,
                    sent_at=now,
                    updated_at=now,
                    last_error=None,
                )
            )

    def _record_retry(self, row_id: int, attempts: int, reason: str, wait: float | None) -> None:
        now = self.clock()
        with self.sessions.begin() as session:
            row = session.get(OutboxMessage, row_id)
            if row is None:
                return
            if attempts >= MAX_ATTEMPTS:
                row.status = "failed"
                fall_back_to_sms(session, row, now)
            else:
                delay = wait if wait is not None else self._backoff(attempts)
                row.status = "queued"
                row.due_at = now + timedelta(seconds=delay)
            row.updated_at = now
            row.last_error = reason[:255]

    def _record_permanent(
        self, row_id: int, reason: str, unreachable: bool, opted_out: bool
    ) -> None:
        now = self.clock()
        with self.sessions.begin() as session:
            row = session.get(OutboxMessage, row_id)
            if row is None:
                return
            row.status = "failed"
            row.last_error = reason[:255]
            row.updated_at = now
            fall_back_to_sms(session, row, now)
            identity = session.get(ChannelIdentity, row.identity_id) if row.identity_id else None
            if identity is not None and unreachable:
                identity.unreachable_at = now
                if opted_out:
                    contact = session.get(Contact, identity.contact_id)
                    if contact is not None and contact.opted_out_at is None:
                        contact.opted_out_at = now

    def _record_cancelled(self, row_id: int, reason: str) -> None:
        now = self.clock()
        with self.sessions.begin() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id, OutboxMessage.status == "sending")
                .values(status="cancelled", last_error=reason[:255], updated_at=now)
            )

    def _stale(self) -> list[Claimed]:
        cutoff = self.clock() - self.stale_after
        with self.sessions() as session:
            rows = session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.status == "sending", OutboxMessage.updated_at < cutoff
                )
            ).all()
            result = []
            for row in rows:
                identity = (
                    session.get(ChannelIdentity, row.identity_id) if row.identity_id else None
                )
                partner = session.get(Partner, row.partner_id) if row.partner_id else None
                address = identity.address if identity else None
                result.append(
                    Claimed(
                        row.id,
                        row.idempotency_key,
                        row.channel,
                        partner.focal_address if partner else address,
                        row.payload,
                        row.attempts,
                    )
                )
            return result

    def _requeue(self, row_id: int) -> None:
        now = self.clock()
        with self.sessions.begin() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id, OutboxMessage.status == "sending")
                .values(status="queued", due_at=now, updated_at=now)
            )

    def _backoff(self, attempts: int) -> float:
        base = min(BACKOFF_BASE_SECONDS * 2.0 ** (attempts - 1), BACKOFF_MAX_SECONDS)
        return base * self._rng.uniform(0.5, 1.5)  # jitter: retries do not arrive together

    # -- sending -------------------------------------------------------------------------

    async def _pace(self, row: Claimed) -> None:
        limiter = self._limiters.get(row.channel)
        if limiter is not None:
            await limiter.wait()
        interval = self._per_chat.get(row.channel)
        if interval and row.address is not None:
            key = (row.channel, row.address)
            wait = self._last_to.get(key, 0.0) + interval - time.monotonic()
            self._last_to[key] = time.monotonic() + max(wait, 0.0)
            if wait > 0:
                await asyncio.sleep(wait)

    async def _send(self, row: Claimed) -> None:
        sender = self.senders[row.channel]
        assert row.address is not None
        await self._pace(row)
        try:
            provider_id = await sender.send(
                row.address, row.payload, key=row.key, template=row.template
            )
        except UncertainSendError:
            return  # left 'sending': reconciliation asks the provider before any resend
        except NothingToSend as exc:  # a recording deleted since the reply: skipped
            await asyncio.to_thread(self._record_cancelled, row.id, str(exc))
            return
        except TransientSendError as exc:
            await asyncio.to_thread(
                self._record_retry, row.id, row.attempts, str(exc), exc.retry_after
            )
            return
        except PermanentSendError as exc:
            log.warning("outbox row %s failed for good: %s", row.id, exc)
            await asyncio.to_thread(
                self._record_permanent, row.id, str(exc), exc.unreachable, exc.opted_out
            )
            return
        await asyncio.to_thread(self._record_sent, row.id, provider_id)

    def _claim_reply(self, key: str, address: str) -> Claimed | None:
        now = self.clock()
        with self.sessions.begin() as session:
            row = session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.idempotency_key == key, OutboxMessage.status == "replied")
                .with_for_update()
            ).one_or_none()
            if row is None:
                return None  # already sent (a redelivered update), or being sent
            row.status = "sending"
            row.attempts += 1
            row.updated_at = now
            return Claimed(row.id, key, row.channel, address, row.payload, row.attempts)

    async def deliver_reply(self, key: str, address: str) -> None:
        """Send a reply now, from the webhook that produced it (Telegram cannot carry
        replies in its webhook answer). The address comes from the update: a reply to
        someone who just erased themselves still reaches them. A failure leaves the row
        to the dispatcher's retries, like any other."""
        row = await asyncio.to_thread(self._claim_reply, key, address)
        if row is not None:
            await self._send(row)

    async def dispatch_once(self) -> int:
        """Claim one batch of due rows and send them; the number of rows claimed."""
        claimed = await asyncio.to_thread(self._claim)
        if claimed:
            await asyncio.gather(*(self._send(row) for row in claimed))
        return len(claimed)

    async def reconcile(self) -> int:
        """Settle rows left in 'sending' by a crash: sent if the provider has them,
        queued again if not. Returns how many rows were settled."""
        settled = 0
        for row in await asyncio.to_thread(self._stale):
            sender = self.senders.get(row.channel)
            if row.address is None or not isinstance(sender, Reconciler):
                # No way to ask this provider: sending again risks a duplicate, losing it
                # is worse for a reply. Telegram lands here (see docs/channels.md).
                await asyncio.to_thread(self._requeue, row.id)
            else:
                since = self.clock() - self.stale_after - timedelta(days=1)
                provider_id = await sender.find_sent(row.address, row.payload, since)
                if provider_id:
                    await asyncio.to_thread(self._record_sent, row.id, provider_id)
                else:
                    await asyncio.to_thread(self._requeue, row.id)
            settled += 1
        return settled

    async def run(
        self, stop: asyncio.Event, wake: asyncio.Event | None = None, idle_seconds: float = 1.0
    ) -> None:
        """Dispatch until `stop` is set; `wake` cuts an idle wait short (a new reply)."""
        wake = wake or asyncio.Event()
        last_reconcile = 0.0
        while not stop.is_set():
            try:
                if time.monotonic() - last_reconcile > self.stale_after.total_seconds() / 2:
                    last_reconcile = time.monotonic()
                    await self.reconcile()
                if await self.dispatch_once():
                    continue
            except Exception:
                log.exception("dispatcher pass failed; retrying")
            wake.clear()
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
            await asyncio.wait(waiters, timeout=idle_seconds, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
