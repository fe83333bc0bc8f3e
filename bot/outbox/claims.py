"""The dispatcher's database work: claiming due rows, recording what became of them,
finding the rows a crash left half-sent. Synchronous: the dispatcher runs it in the
process's database threads (on SQLite, the one thread every write of the process uses).

A row is marked *sending* and committed before the provider call, so a crash can leave
a row in *sending* but never lose one. On PostgreSQL rows are claimed with
`FOR UPDATE SKIP LOCKED`, so several dispatchers can run; on SQLite run one.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import Integer, Row, Table, any_, bindparam, or_, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.gateway import DeliveryReport
from bot.channels.registry import capabilities
from bot.outbox import policy
from bot.outbox.delivery import Delivery
from bot.storage.models import ChannelIdentity, Contact, OutboxMessage, Partner
from bot.types import Clock

__all__ = ["Claimed", "Claims", "Outcome"]

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


@dataclass(frozen=True)
class Claimed:
    id: int
    key: str
    channel: str
    address: str | None
    payload: dict[str, Any]
    attempts: int
    template: bool = False
    claimed_at: float = field(default=0.0, compare=False)
    """The dispatcher's monotonic time of the claim: a row not sent soon enough is given
    back (stamped by the dispatcher, whose clock may be a test's)."""


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


class Claims:
    def __init__(self, sessions: sessionmaker[Session], delivery: Delivery, clock: Clock) -> None:
        self.sessions = sessions
        self.delivery = delivery
        self.clock = clock

    def claim(
        self, channels: Collection[str], batch_size: int, templates: Collection[str]
    ) -> tuple[list[Claimed], int]:
        """Claim a batch of due rows on `channels`: (the rows to send, how many rows were
        taken, those cancelled or held back by a channel's window included). One query
        claims the rows, one reads them with their person's identity and contact (or
        their partner), one marks them. `templates`: the channels that can send outside
        their window (an approved WhatsApp template)."""
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
                    OutboxMessage.channel.in_(list(channels)),
                )
                .order_by(OutboxMessage.due_at)
                .limit(batch_size)
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
                    Contact.paused_at,
                    Contact.shielded_at,
                    Contact.test,
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
                    if r.unreachable_at is not None:  # not on that channel: try another
                        self.delivery.writer.fallback(session, row, now)
                    continue
                template = False
                if _outside_window(r, now):
                    if r.channel not in templates:
                        row = session.get_one(OutboxMessage, r.id)
                        row.status = "window_closed"
                        row.last_error = f"outside {r.channel}'s window, no template set"
                        row.updated_at = now
                        self.delivery.writer.fallback(session, row, now)
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

    def record(self, outcomes: Sequence[Outcome]) -> None:
        """Record a batch's outcomes: the sent, cancelled and given back rows in one
        transaction; each failure in a transaction of its own, as it may queue a
        fallback or mark the person unreachable."""
        settled = [o for o in outcomes if o.kind not in ("retry", "permanent")]
        if settled:
            with self.sessions.begin() as session:
                self.record_in(session, settled)
        for o in outcomes:
            if o.kind in ("retry", "permanent"):
                with self.sessions.begin() as session:
                    self.record_in(session, [o])

    def record_in(self, session: Session, outcomes: Sequence[Outcome]) -> None:
        """Record `outcomes` in `session`'s transaction: the sent, cancelled and given
        back rows with an executemany UPDATE each, failures one by one. A webhook's
        replies are recorded so, in the next group commit (bot/storage/groups.py)."""
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
                self.delivery.retry(
                    session, o.row.id, o.row.attempts, o.reason, o.retry_after, self.clock()
                )
            elif o.kind == "permanent":
                self.delivery.failed(
                    session,
                    o.row.id,
                    o.reason,
                    self.clock(),
                    unreachable=o.unreachable,
                    opted_out=o.opted_out,
                )

    def report_in(self, session: Session, report: DeliveryReport) -> bool:
        """Record a provider's status report in `session`'s transaction; False when no
        message has its key."""
        return self.delivery.report(session, report, self.clock())

    def record_sent(self, row_id: int, provider_id: str) -> None:
        self.record([Outcome(_bare(row_id), "sent", provider_id=provider_id)])

    def stale(self, stale_after: timedelta) -> list[Claimed]:
        """Rows left in 'sending' for longer than `stale_after` (a crash, a timeout)."""
        cutoff = self.clock() - stale_after
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
                if partner is None and identity is None:
                    address = policy.staff_address(row.idempotency_key, row.payload)
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

    def requeue(self, row_id: int) -> None:
        now = self.clock()
        with self.sessions.begin() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id, OutboxMessage.status == "sending")
                .values(status="queued", due_at=now, updated_at=now)
            )

    def claim_reply(self, key: str, address: str) -> Claimed | None:
        """Claim a reply handed back to its channel ('replied') to send it now, to the
        address it came from; None when it is sent already, or being sent."""
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


def _outside_window(r: Row[Any], now: datetime) -> bool:
    """A message Orienta starts (not a reply) outside its channel's window. `r`: a row of
    `Claims.claim`'s query."""
    if r.inbound_id is not None or r.identity_id is None:
        return False
    return policy.outside_window(capabilities(r.channel).window, r.last_inbound_at, now)


def _address_if_allowed(r: Row[Any]) -> str | None:
    """Where to send a row of `Claims.claim`'s query, or None when nobody may receive it
    any more (policy.py decides)."""
    if r.identity_id is None and r.partner_id is None and r.inbound_id is None:
        staff = policy.staff_address(r.idempotency_key, r.payload)  # to on-duty staff
        if staff is not None:
            return staff
    if r.partner_id is not None:  # to a partner's focal point
        allowed = policy.partner_may_receive(
            active=r.active,
            focal_channel=r.focal_channel,
            channel=r.channel,
            address=r.focal_address,
        )
        return str(r.focal_address) if allowed else None
    if r.identity_id is not None and not policy.on_own_channels(bool(r.test), r.channel):
        return None  # a test person's row on a real channel (or the reverse): never sent
    allowed = policy.may_send(
        erased=r.identity_id is None or r.address is None,  # erased, or refused consent
        unreachable=r.unreachable_at is not None,
        opted_out=r.opted_out_at is not None,
        reply=r.inbound_id is not None,
        # Paused or shielded after the row was written: it waits no longer.
        held=(r.paused_at is not None or r.shielded_at is not None)
        and not r.idempotency_key.startswith(policy.STAFF_REPLY_KEY),
    )
    return str(r.address) if allowed else None


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
