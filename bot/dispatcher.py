"""The outbox dispatcher: claims due rows, sends them, records what happened.

Each row goes queued → sending → sent (→ delivered/read by status callbacks), or back
to queued with a later due time after a transient failure, or to failed. A row is
marked *sending* and committed before the provider call, so a crash can leave a row in
*sending* but never lose one. Such a row is reconciled after `stale_after`: the
provider is asked whether it already accepted it (Twilio's message list); only when it
says no is the row queued again. On PostgreSQL rows are claimed with
`FOR UPDATE SKIP LOCKED`, so several dispatchers can run; on SQLite run one.

Rows are claimed in batches (with the people or partners they go to, in three queries
whatever the batch's size) and sent `concurrency` at a time; the outcomes of a batch
are recorded together, the sent ones by one executemany UPDATE in one transaction.
(Overlapping the database work with the sending, in threads, was tried: the database
thread and the sending loop contend for the GIL, and the whole is no faster.)

A claimed row is sent within `stale_after / 2` of its claim or given back (queued again,
the attempt not counted), so a row never waits in *sending* longer than that plus one
provider call (its timeout): `stale_after` must be well above the provider's timeout,
or a live dispatcher's row could be taken for a crashed one's. Batches are also kept
small enough for the slowest pacing to send them in a quarter of `stale_after`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol, cast, runtime_checkable

from sqlalchemy import Integer, Row, Table, any_, bindparam, or_, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.base import (
    NothingToSend,
    PermanentSendError,
    Sender,
    TransientSendError,
    UncertainSendError,
)
from bot.engine import utcnow
from bot.messaging import Outbound
from bot.storage.models import ChannelIdentity, Contact, OutboxMessage, Partner
from bot.types import Clock

__all__ = ["BATCH_SIZE", "SEND_CONCURRENCY", "Dispatcher", "Reconciler", "fall_back_to_sms"]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 14  # with the backoff below: about 1 h 40 min of retries
WHATSAPP_WINDOW = timedelta(hours=24)
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 900.0
BATCH_SIZE = 250
"""Rows claimed at once: a claim and a record cost little more for 250 rows than for 1,
and fewer batches leave the provider idle less often (bench/fanout.py: 5 % more than
batches of 100). Capped by pacing, see `Dispatcher.__init__`."""
SEND_CONCURRENCY = 8
"""Provider calls in flight at once per dispatcher. Enough to keep a provider busy on a
fast network, and few enough for httpx: its connection pool's cost per request grows
with the requests waiting in one client (bench/fanout.py: about 1,500 posts a second
with 2 to 8 in flight on loopback, a third of that with 16)."""

_TABLE = cast(Table, OutboxMessage.__table__)
_MARK_SENT = (
    update(_TABLE)
    # 'queued' too: had a reconciler wrongly re-queued it, this stops a resend.
    .where(
        _TABLE.c.id == bindparam("row_id"),
        or_(_TABLE.c.status == "sending", _TABLE.c.status == "queued"),  # no IN: executemany
    )
    .values(
        status="sent",
        provider_message_id=bindparam("provider_id"),
        sent_at=bindparam("at"),
        updated_at=bindparam("at"),
        last_error=None,
    )
)
_MARK_CANCELLED = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("row_id"), _TABLE.c.status == "sending")
    .values(status="cancelled", last_error=bindparam("reason"), updated_at=bindparam("at"))
)
_GIVE_BACK = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("row_id"), _TABLE.c.status == "sending")
    .values(
        status="queued",
        attempts=_TABLE.c.attempts - 1,
        due_at=bindparam("at"),
        updated_at=bindparam("at"),
    )
)


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
    claimed_at: float = field(default_factory=time.monotonic, compare=False)
    """time.monotonic() of the claim: a row not sent soon enough is given back."""


@dataclass(frozen=True)
class Outcome:
    """What became of one provider call, to be recorded."""

    row: Claimed
    kind: Literal["sent", "retry", "permanent", "cancelled", "uncertain", "given_back"]
    provider_id: str = ""
    reason: str = ""
    retry_after: float | None = None
    unreachable: bool = False
    opted_out: bool = False


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
        batch_size: int = BATCH_SIZE,
        concurrency: int = SEND_CONCURRENCY,
        stale_after: timedelta = timedelta(minutes=2),
        rng: random.Random | None = None,
    ) -> None:
        self.sessions = sessions
        self.senders = dict(senders)
        self.clock = clock
        self.stale_after = stale_after
        self.concurrency = max(1, concurrency)
        self._rng = rng or random.Random()
        self._limiters = {ch: RateLimiter(r) for ch, r in (rates or {}).items()}
        self._per_chat = dict(per_chat_interval or {})
        self._last_to: dict[tuple[str, str], float] = {}
        # The slowest pacing must send a whole batch in a quarter of stale_after.
        slowest = min((r for ch, r in (rates or {}).items() if ch in self.senders), default=0)
        paced = int(slowest * stale_after.total_seconds() / 4) if slowest else batch_size
        self.batch_size = max(1, min(batch_size, paced))
        self._give_back_after = stale_after.total_seconds() / 2

    # -- database work (synchronous, run in a thread) ------------------------------------

    def _claim(self) -> tuple[list[Claimed], int]:
        """Claim a batch of due rows: (the rows to send, how many rows were taken, those
        cancelled or held back by WhatsApp's window included). One query claims the
        rows, one reads them with their person's identity and contact (or their
        partner), one marks them."""
        now = self.clock()
        with self.sessions.begin() as session:
            # By the (status, due_at) index, so that a claim costs the same with 100 or
            # 100,000 rows due; ties on due_at come in index order, and within the batch
            # by id (a message in several parts goes out in order).
            due = (
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.status == "queued",
                    OutboxMessage.due_at <= now,
                    OutboxMessage.channel.in_(list(self.senders)),
                )
                .order_by(OutboxMessage.due_at)
                .limit(self.batch_size)
            )
            postgresql = session.get_bind().dialect.name == "postgresql"
            if postgresql:
                due = due.with_for_update(skip_locked=True)  # other dispatchers skip them
                # Statistics taken before a fan-out say few rows are queued; the planner
                # then reads and sorts them all (a bitmap scan) at every claim: O(N²) for
                # N messages. The ordered index scan stops after `batch_size` rows.
                session.execute(text("SET LOCAL enable_bitmapscan = off"))
            ids = list(session.scalars(due))
            if not ids:
                return [], 0
            # One array parameter on PostgreSQL: rendering and parsing an IN list of 100
            # parameters was most of a claim's CPU time.
            in_batch = (
                OutboxMessage.id == any_(bindparam("ids", ids, type_=ARRAY(Integer)))
                if postgresql
                else OutboxMessage.id.in_(ids)
            )
            query = (
                select(
                    OutboxMessage.id,
                    OutboxMessage.idempotency_key,
                    OutboxMessage.channel,
                    OutboxMessage.payload,
                    OutboxMessage.attempts,
                    OutboxMessage.inbound_id,
                    OutboxMessage.identity_id,
                    OutboxMessage.partner_id,
                    ChannelIdentity.address,
                    ChannelIdentity.unreachable_at,
                    ChannelIdentity.last_inbound_at,
                    Contact.opted_out_at,
                    Partner.active,
                    Partner.focal_channel,
                    Partner.focal_address,
                )
                .outerjoin(ChannelIdentity, ChannelIdentity.id == OutboxMessage.identity_id)
                .outerjoin(Contact, Contact.id == ChannelIdentity.contact_id)
                .outerjoin(Partner, Partner.id == OutboxMessage.partner_id)
                .where(in_batch)
                .order_by(OutboxMessage.due_at, OutboxMessage.id)
            )
            rows = session.execute(query).all()
            claimed = []
            for r in rows:
                address = _address_if_allowed(r)
                if address is None:
                    row = session.get_one(OutboxMessage, r.id)
                    row.status = "cancelled"
                    row.updated_at = now
                    if r.unreachable_at is not None:
                        fall_back_to_sms(session, row, now)  # not on WhatsApp: try SMS
                    continue
                template = False
                if _outside_whatsapp_window(r, now):
                    if not getattr(self.senders[r.channel], "template_sid", ""):
                        row = session.get_one(OutboxMessage, r.id)
                        row.status = "window_closed"
                        row.last_error = "outside WhatsApp's 24-hour window, no template set"
                        row.updated_at = now
                        fall_back_to_sms(session, row, now)
                        continue
                    template = True
                claimed.append(
                    Claimed(
                        r.id,
                        r.idempotency_key,
                        r.channel,
                        address,
                        r.payload,
                        r.attempts + 1,
                        template,
                    )
                )
            if claimed:
                # One statement for the batch; committed before any provider call.
                sending = {c.id for c in claimed}
                session.execute(
                    update(OutboxMessage)
                    .where(in_batch if len(sending) == len(rows) else OutboxMessage.id.in_(sending))
                    .values(status="sending", attempts=OutboxMessage.attempts + 1, updated_at=now)
                    .execution_options(synchronize_session=False)
                )
            return claimed, len(rows)

    def _record(self, outcomes: Sequence[Outcome]) -> None:
        """Record a batch's outcomes: the sent, cancelled and given back rows in one
        transaction (an executemany UPDATE each); a failure in a transaction of its own,
        as it may queue an SMS instead or mark the person unreachable."""
        now = self.clock()
        sent = [
            {"row_id": o.row.id, "provider_id": o.provider_id, "at": now}
            for o in outcomes
            if o.kind == "sent"
        ]
        cancelled = [
            {"row_id": o.row.id, "reason": o.reason[:255], "at": now}
            for o in outcomes
            if o.kind == "cancelled"
        ]
        given_back = [{"row_id": o.row.id, "at": now} for o in outcomes if o.kind == "given_back"]
        if sent or cancelled or given_back:
            with self.sessions.begin() as session:
                connection = session.connection()
                for statement, params in (
                    (_MARK_SENT, sent),
                    (_MARK_CANCELLED, cancelled),
                    (_GIVE_BACK, given_back),
                ):
                    if params:
                        connection.execute(statement, params)
        for o in outcomes:
            if o.kind == "retry":
                self._record_retry(o.row.id, o.row.attempts, o.reason, o.retry_after)
            elif o.kind == "permanent":
                self._record_permanent(o.row.id, o.reason, o.unreachable, o.opted_out)

    def _record_sent(self, row_id: int, provider_id: str) -> None:
        self._record([Outcome(_bare(row_id), "sent", provider_id=provider_id)])

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

    def _stale(self) -> list[Claimed]:
        cutoff = self.clock() - self.stale_after
        with self.sessions() as session:
            rows = session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.status == "sending", OutboxMessage.updated_at < cutoff
                )
            ).all()
            _load_recipients(session, rows)
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

    async def _attempt(self, row: Claimed) -> Outcome:
        """One provider call for `row` (after pacing); what came of it."""
        sender = self.senders[row.channel]
        assert row.address is not None
        await self._pace(row)
        if time.monotonic() - row.claimed_at > self._give_back_after:
            return Outcome(row, "given_back")  # too late: it could be taken for a crash's
        try:
            provider_id = await sender.send(
                row.address, row.payload, key=row.key, template=row.template
            )
        except UncertainSendError:
            # Left 'sending': reconciliation asks the provider before any resend.
            return Outcome(row, "uncertain")
        except NothingToSend as exc:  # a recording deleted since the reply: skipped
            return Outcome(row, "cancelled", reason=str(exc))
        except TransientSendError as exc:
            return Outcome(row, "retry", reason=str(exc), retry_after=exc.retry_after)
        except PermanentSendError as exc:
            log.warning("outbox row %s failed for good: %s", row.id, exc)
            return Outcome(
                row,
                "permanent",
                reason=str(exc),
                unreachable=exc.unreachable,
                opted_out=exc.opted_out,
            )
        except Exception:
            # Whether it went out is unknown: left 'sending', like a crash, and reconciled.
            log.exception("outbox row %s: sender failed", row.id)
            return Outcome(row, "uncertain")
        return Outcome(row, "sent", provider_id=provider_id)

    async def _send_all(self, rows: Sequence[Claimed]) -> list[Outcome]:
        """Send `rows` in order, `concurrency` calls in flight at once."""
        outcomes: list[Outcome] = []
        pending = iter(rows)

        async def lane() -> None:
            for row in pending:
                outcomes.append(await self._attempt(row))

        await asyncio.gather(*(lane() for _ in range(min(self.concurrency, len(rows)))))
        return outcomes

    async def _send(self, row: Claimed) -> None:
        outcome = await self._attempt(row)
        await asyncio.to_thread(self._record, [outcome])

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

    async def send_claimed(self, outbound: Outbound) -> None:
        """Send a reply that the engine stored already claimed (`claimed_id`, see
        `Engine.handle(..., send_now=True)`), then record the outcome, as for any row."""
        assert outbound.claimed_id is not None
        row = Claimed(
            outbound.claimed_id,
            outbound.key,
            outbound.channel,
            outbound.address,
            outbound.payload(),
            attempts=1,
        )
        await self._send(row)

    async def deliver_reply(self, key: str, address: str) -> None:
        """Send a reply now, from the webhook that produced it (Telegram cannot carry
        replies in its webhook answer). The address comes from the update: a reply to
        someone who just erased themselves still reaches them. A failure leaves the row
        to the dispatcher's retries, like any other."""
        row = await asyncio.to_thread(self._claim_reply, key, address)
        if row is not None:
            await self._send(row)

    async def dispatch_once(self) -> int:
        """Claim one batch of due rows, send them and record the outcomes; the number of
        rows taken (0: nothing was due)."""
        claimed, taken = await asyncio.to_thread(self._claim)
        if claimed:
            outcomes = await self._send_all(claimed)
            await asyncio.to_thread(self._record, outcomes)
        return taken

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


def _outside_whatsapp_window(r: Row[Any], now: datetime) -> bool:
    """WhatsApp lets a business write freely only within 24 hours of the person's last
    message; a reply to a message just received is always inside. `r`: a row of
    `Dispatcher._claim`'s query."""
    if r.channel != "whatsapp" or r.inbound_id is not None or r.identity_id is None:
        return False
    last: datetime | None = r.last_inbound_at
    return last is None or now - last > WHATSAPP_WINDOW


def _address_if_allowed(r: Row[Any]) -> str | None:
    """Where to send a row of `Dispatcher._claim`'s query, or None when nobody may
    receive it any more."""
    if r.partner_id is not None:  # to a partner's focal point
        if r.active is None or not r.active or r.focal_channel != r.channel:
            return None  # the partner is gone, withdrawn, or reached otherwise now
        return str(r.focal_address) or None
    if r.identity_id is None or r.address is None:
        return None  # erased, or refused consent
    if r.unreachable_at is not None:
        return None
    # A reply to what the person just wrote goes out even after STOP (it may be the
    # STOP confirmation itself); anything Orienta starts does not.
    if r.opted_out_at is not None and r.inbound_id is None:
        return None
    return str(r.address)


def _bare(row_id: int) -> Claimed:
    return Claimed(row_id, "", "", None, {}, 0)


def _load_recipients(session: Session, rows: Collection[OutboxMessage]) -> None:
    """Load the identities, contacts and partners of `rows` into the session in a few
    queries, so that session.get() finds them without one query each (kept in
    session.info: the session itself holds its objects by weak reference only)."""
    loaded: list[object] = []
    identity_ids = {r.identity_id for r in rows if r.identity_id is not None}
    if identity_ids:
        for identity, contact in session.execute(
            select(ChannelIdentity, Contact)
            .join(Contact, Contact.id == ChannelIdentity.contact_id)
            .where(ChannelIdentity.id.in_(identity_ids))
        ):
            loaded += (identity, contact)
    partner_ids = {r.partner_id for r in rows if r.partner_id is not None}
    if partner_ids:
        loaded += session.scalars(select(Partner).where(Partner.id.in_(partner_ids))).all()
    session.info.setdefault("recipients", []).extend(loaded)
