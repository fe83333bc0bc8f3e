"""The outbox dispatcher: claims due rows, sends them, records what happened.

Each row goes queued → sending → sent (→ delivered/read by status reports), or back to
queued with a later due time after a transient failure, or to failed
(bot/outbox/delivery.py). A row left *sending* by a crash is reconciled after
`stale_after`: the provider is asked whether it already accepted it (Twilio's message
list); only when it says no is the row queued again.

One dispatcher per process, with one sender and one `Pacer` per channel: it sends the
due rows and, for channels whose webhook cannot carry replies (Telegram), the replies
the webhook hands it, so that pacing holds for the whole process. Its database work
(bot/outbox/claims.py) runs through `run_db`, the process's database threads.

Rows are claimed in batches and sent `concurrency` at a time; the outcomes of a batch
are recorded together. A claimed row is sent within `stale_after / 2` of its claim or
given back (queued again, the attempt not counted), so a row never waits in *sending*
longer than that plus one provider call (its timeout): `stale_after` must be well above
the provider's timeout, or a live dispatcher's row could be taken for a crashed one's.
Batches are also kept small enough for the slowest pacing to send them in a quarter of
`stale_after`. A reply longer than its channel allows goes as several messages
(bot/channels/layout.py, `parts`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any, Protocol, TypeVar, runtime_checkable

from sqlalchemy.orm import Session, sessionmaker

from bot.channels.base import (
    NothingToSend,
    PermanentSendError,
    Sender,
    TransientSendError,
    UncertainSendError,
)
from bot.channels.layout import parts
from bot.channels.registry import Pacing
from bot.clock import utcnow
from bot.messaging import Outbound
from bot.outbox.claims import Claimed, Claims, Outcome
from bot.outbox.delivery import Backoff, Delivery
from bot.outbox.pacing import Pacer
from bot.outbox.writer import OutboxWriter
from bot.storage.groups import GroupCommit
from bot.types import Clock

__all__ = ["BATCH_SIZE", "SEND_CONCURRENCY", "Dispatcher", "Reconciler"]

log = logging.getLogger(__name__)

T = TypeVar("T")
RunDb = Callable[..., Awaitable[Any]]

BATCH_SIZE = 250
"""Rows claimed at once: a claim and a record cost little more for 250 rows than for 1,
and fewer batches leave the provider idle less often (bench/fanout.py: 5 % more than
batches of 100). Capped by pacing, see `Dispatcher.__init__`."""
SEND_CONCURRENCY = 8
"""Provider calls in flight at once per dispatcher. Enough to keep a provider busy on a
fast network, and few enough for httpx: its connection pool's cost per request grows
with the requests waiting in one client (bench/fanout.py: about 1,500 posts a second
with 2 to 8 in flight on loopback, a third of that with 16)."""


@runtime_checkable
class Reconciler(Protocol):
    """A sender that can say whether the provider already accepted a message."""

    async def find_sent(self, address: str, payload: dict[str, Any], since: Any) -> str | None: ...


async def _in_thread(fn: Callable[..., T], *args: Any) -> T:
    return await asyncio.to_thread(functools.partial(fn, *args))


class Dispatcher:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        senders: Mapping[str, Sender],
        *,
        writer: OutboxWriter | None = None,
        clock: Clock = utcnow,
        pacing: Mapping[str, Pacing] | None = None,
        run_db: RunDb = _in_thread,
        batch_size: int = BATCH_SIZE,
        concurrency: int = SEND_CONCURRENCY,
        stale_after: timedelta = timedelta(minutes=2),
        rng: random.Random | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        group: GroupCommit | None = None,
    ) -> None:
        self.senders = dict(senders)
        self._group = group
        """Where a webhook's replies are recorded once sent: with the next turns' commit
        rather than in a transaction per message."""
        self.clock = clock
        self.stale_after = stale_after
        self.concurrency = max(1, concurrency)
        self._run_db = run_db
        self._monotonic = monotonic
        delivery = Delivery(writer or OutboxWriter(), Backoff(rng or random.Random()))
        self.claims = Claims(sessions, delivery, clock)
        self._pacers = {
            channel: Pacer(p, monotonic=monotonic, sleep=sleep)
            for channel, p in (pacing or {}).items()
        }
        # The slowest pacing must send a whole batch in a quarter of stale_after.
        rates = [
            p.per_second for ch, p in (pacing or {}).items() if ch in self.senders and p.per_second
        ]
        slowest = min(rates, default=0.0)
        paced = int(slowest * stale_after.total_seconds() / 4) if slowest else batch_size
        self.batch_size = max(1, min(batch_size, paced))
        self._give_back_after = stale_after.total_seconds() / 2
        self._templates = [c for c, s in self.senders.items() if getattr(s, "template_sid", "")]
        """Channels that can send outside their window (an approved WhatsApp template)."""

    # -- sending -------------------------------------------------------------------------

    async def _attempt(self, row: Claimed) -> Outcome:
        """The provider calls for `row` (one per part, each after pacing); what came of
        them: the provider's id of the last part."""
        sender = self.senders[row.channel]
        assert row.address is not None
        outbound = Outbound.from_payload(row.channel, row.address, row.payload)
        provider_id = ""
        for part in parts(outbound, row.channel):
            pacer = self._pacers.get(row.channel)
            if pacer is not None:
                await pacer.wait(row.address)
            if self._monotonic() - row.claimed_at > self._give_back_after and not provider_id:
                return Outcome(row, "given_back")  # too late: it could be taken for a crash's
            try:
                payload = row.payload if part is outbound else part.payload()
                provider_id = await sender.send(
                    row.address, payload, key=row.key, template=row.template
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
        if self._group is not None:
            await self._group.run(functools.partial(self.claims.record_in, outcomes=[outcome]))
        else:
            await self._run_db(self.claims.record, [outcome])

    async def send_replies(self, replies: Sequence[Outbound]) -> None:
        """Send, now, replies a webhook got back (for channels whose webhook answer cannot
        carry them): those stored already claimed (`claimed_id`), and those replayed for
        a message seen before, if not sent yet. Each to the address of the message it
        answers: a reply to someone who just erased themselves still reaches them. A
        failure leaves the row to the retries, like any other."""
        for reply in replies:
            if reply.claimed_id is not None:
                row = Claimed(
                    reply.claimed_id, reply.key, reply.channel, reply.address, reply.payload(), 1
                )
            else:
                found = await self._run_db(self.claims.claim_reply, reply.key, reply.address)
                if found is None:
                    continue  # sent then, or being sent
                row = found
            if row.channel in self.senders:
                await self._send(replace(row, claimed_at=self._monotonic()))

    async def dispatch_once(self) -> int:
        """Claim one batch of due rows, send them and record the outcomes; the number of
        rows taken (0: nothing was due)."""
        claimed, taken = await self._run_db(
            self.claims.claim, list(self.senders), self.batch_size, self._templates
        )
        now = self._monotonic()
        claimed = [replace(row, claimed_at=now) for row in claimed]
        if claimed:
            outcomes = await self._send_all(claimed)
            await self._run_db(self.claims.record, outcomes)
        return int(taken)

    async def reconcile(self) -> int:
        """Settle rows left in 'sending' by a crash: sent if the provider has them,
        queued again if not. Returns how many rows were settled."""
        settled = 0
        for row in await self._run_db(self.claims.stale, self.stale_after):
            sender = self.senders.get(row.channel)
            if row.address is None or not isinstance(sender, Reconciler):
                # No way to ask this provider: sending again risks a duplicate, losing it
                # is worse for a reply. Telegram lands here (see docs/channels.md).
                await self._run_db(self.claims.requeue, row.id)
            else:
                since = self.clock() - self.stale_after - timedelta(days=1)
                outbound = Outbound.from_payload(row.channel, row.address, row.payload)
                last = parts(outbound, row.channel)[-1]  # the part whose id is recorded
                payload = row.payload if last is outbound else last.payload()
                provider_id = await sender.find_sent(row.address, payload, since)
                if provider_id:
                    await self._run_db(self.claims.record_sent, row.id, provider_id)
                else:
                    await self._run_db(self.claims.requeue, row.id)
            settled += 1
        return settled

    async def run(
        self, stop: asyncio.Event, wake: asyncio.Event | None = None, idle_seconds: float = 1.0
    ) -> None:
        """Dispatch until `stop` is set; `wake` cuts an idle wait short (a new reply)."""
        wake = wake or asyncio.Event()
        last_reconcile = -float("inf")
        while not stop.is_set():
            try:
                if self._monotonic() - last_reconcile > self.stale_after.total_seconds() / 2:
                    last_reconcile = self._monotonic()
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

    async def aclose(self) -> None:
        for sender in self.senders.values():
            await sender.aclose()
