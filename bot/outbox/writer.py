"""The one writer of the outbox: every message Orienta sends is created here.

    replies      the answers to a message just received, written in its transaction
    to_person    a message Orienta starts (reminder, follow-up, nudge, a staff reply)
    to_partner   a notice to a partner's focal point
    to_staff     a notice to on-duty staff (an urgent request waits untaken)
    fallback     an important message that will not reach its channel, to another one
    to_audience  one message per person of an audience (a broadcast), by the database

Who may receive what, and on which channel, is decided by bot/outbox/policy.py, for
every kind. Each row has a unique idempotency key: writing the same message twice (a
retry, a second scheduler) is refused by the database, or skipped. Functions run in the
caller's transaction.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from typing import cast as typed

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    Table,
    and_,
    cast,
    insert,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from bot.channels.registry import capabilities
from bot.messaging import Outbound
from bot.outbox import policy
from bot.scheduling.hours import next_allowed
from bot.settings import Settings
from bot.storage.models import (
    ChannelIdentity,
    Contact,
    HelpEpisode,
    JSONType,
    OutboxMessage,
    Partner,
)

__all__ = ["OutboxWriter", "audience_key"]

log = logging.getLogger(__name__)

_TABLE = typed(Table, OutboxMessage.__table__)


def audience_key(key_prefix: str, contact_id: int) -> str:
    """The idempotency key of the row `to_audience` writes for one person."""
    return f"{key_prefix}:{contact_id}"


def _columns(
    key: str,
    channel: str,
    payload: dict[str, Any],
    now: datetime,
    *,
    status: str = "queued",
    due_at: datetime | None = None,
    contact_id: int | None = None,
    identity_id: int | None = None,
    partner_id: int | None = None,
    inbound_id: int | None = None,
    attempts: int = 0,
) -> dict[str, Any]:
    """An outbox row's columns: the one place one is made (as an ORM object by `_row`,
    or inserted in Core by `OutboxWriter.replies`)."""
    return {
        "idempotency_key": key,
        "contact_id": contact_id,
        "identity_id": identity_id,
        "partner_id": partner_id,
        "inbound_id": inbound_id,
        "channel": channel,
        "payload": payload,
        "status": status,
        "attempts": attempts,
        "due_at": due_at or now,
        "created_at": now,
        "updated_at": now,
    }


def _row(
    key: str, channel: str, payload: dict[str, Any], now: datetime, **columns: Any
) -> OutboxMessage:
    return OutboxMessage(**_columns(key, channel, payload, now, **columns))


class OutboxWriter:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings
        """Needed for partners (quiet hours, SMTP); a writer without settings (a
        dispatcher under test) writes everything else."""

    def replies(
        self,
        session: Session,
        inbound_id: int,
        outbounds: Sequence[Outbound],
        now: datetime,
        *,
        contact_id: int | None,
        identity_id: int | None,
        send_now: bool = False,
    ) -> list[tuple[Outbound, int | None]]:
        """Each reply to the inbound message `inbound_id` as a row: 'replied', handed back
        to the channel, which answers inline (TwiML); or, with `send_now`, 'sending',
        claimed by the caller, which sends it at once (Telegram) and records the
        outcome: then with its row's id. `contact_id` and `identity_id` are None after an
        erasure: nothing links back to the person. One statement for all of them."""
        if not outbounds:
            return []
        turn_key = uuid.uuid4().hex
        keyed = [
            replace(outbound, key=f"reply:{turn_key}:{index}")
            for index, outbound in enumerate(outbounds)
        ]
        status, attempts = ("sending", 1) if send_now else ("replied", 0)
        rows = [
            _columns(
                o.key,
                o.channel,
                o.payload(),
                now,
                status=status,
                attempts=attempts,
                contact_id=contact_id,
                identity_id=identity_id,
                inbound_id=inbound_id,
            )
            for o in keyed
        ]
        # Core, not ORM objects: a turn's rows are written, never read back or changed.
        written = insert(_TABLE).returning(_TABLE.c.id, sort_by_parameter_order=True)
        ids = session.connection().execute(written, rows).scalars().all()
        return [(o, row_id if send_now else None) for o, row_id in zip(keyed, ids, strict=True)]

    def to_person(
        self,
        session: Session,
        contact: Contact,
        key: str,
        compose: Callable[[ChannelIdentity], Sequence[Outbound]],
        now: datetime,
        *,
        important: bool = False,
        answering: HelpEpisode | None = None,
    ) -> int:
        """Queue what `compose` lays out for the address Orienta may write to `contact`
        on (policy.reachable_identity; for staff `answering` a request for help,
        policy.answering_identity), as rows keyed `{key}:{n}`. The number of rows
        queued: 0 when the person may not be written to, and `compose` is not called."""
        identity = (
            policy.answering_identity(session, contact, answering)
            if answering is not None
            else policy.reachable_identity(session, contact)
        )
        if identity is None:
            return 0
        outbounds = compose(identity)
        for index, outbound in enumerate(outbounds):
            outbound = replace(outbound, important=important)
            session.add(
                _row(
                    f"{key}:{index}",
                    identity.channel,
                    outbound.payload(),
                    now,
                    contact_id=contact.id,
                    identity_id=identity.id,
                )
            )
        return len(outbounds)

    def to_partner(
        self,
        session: Session,
        partner: Partner,
        key: str,
        text: str,
        now: datetime,
        *,
        warn: bool = True,
    ) -> bool:
        """Queue `text` (French, the partners' working language) to the partner's focal
        point, outside quiet hours (a work phone too). False when it cannot be reached
        (said in the log, unless `warn` is false: a check repeated at every scan) or a
        message with this key exists already."""
        assert self.settings is not None, "messages to partners need the settings"
        channel = policy.partner_channel(partner, self.settings)
        if channel is None:
            if warn and partner.focal_channel == "email" and partner.active:
                log.warning("partner %s wants e-mail but SMTP is not configured", partner.code)
            return False
        exists = select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)
        if session.scalars(exists).first() is not None:
            return False
        payload = {"text": text, "language": "fr", "subject": text.split(" — ")[0]}
        due = next_allowed(now, self.settings)
        session.add(_row(key, channel, payload, now, due_at=due, partner_id=partner.id))
        return True

    def to_staff(
        self, session: Session, channel: str, address: str, text: str, key: str, now: datetime
    ) -> bool:
        """Queue `text` (French) to a member of staff on duty, by SMS or e-mail (as to a
        partner), at once: it is urgent, quiet hours do not hold it. The address travels
        in the row (policy.staff_address), as no person or partner stands behind it.
        False when it cannot be sent (no SMTP, not a phone number: said in the log) or
        a message with this key exists already."""
        assert self.settings is not None, "messages to staff need the settings"
        to = policy.staff_destination(channel, address, self.settings)
        if to is None:
            log.warning("an on-duty %s address cannot be written to (ORIENTA_ON_DUTY)", channel)
            return False
        if not key.startswith(policy.ON_DUTY_KEY):
            raise ValueError(f"a key to staff starts with {policy.ON_DUTY_KEY!r}, not {key!r}")
        exists = select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)
        if session.scalars(exists).first() is not None:
            return False
        payload = {"text": text, "language": "fr", "subject": text.split(" — ")[0], "to": to}
        session.add(_row(key, channel, payload, now))
        return True

    def fallback(self, session: Session, row: OutboxMessage, now: datetime) -> bool:
        """Queue an important message that will not be delivered on its channel again
        (WhatsApp blocked, outside its window, number not on it) on the channel its
        capabilities name, to the same phone; once."""
        to = capabilities(row.channel).fallback
        if to is None or not row.payload.get("important"):
            return False
        key = f"{row.idempotency_key}:{to}"
        existing = select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)
        if session.scalars(existing).first() is not None:
            return False
        origin = session.get(ChannelIdentity, row.identity_id) if row.identity_id else None
        if origin is None:
            return False
        target = session.scalars(
            select(ChannelIdentity).where(
                ChannelIdentity.channel == to,
                ChannelIdentity.address_hash == origin.address_hash,
            )
        ).first()
        if target is None:  # the same phone, never written from on that channel yet
            target = ChannelIdentity(
                contact_id=origin.contact_id,
                channel=to,
                address_hash=origin.address_hash,
                address=origin.address,
                created_at=now,
            )
            session.add(target)
            session.flush()
        session.add(
            _row(
                key,
                to,
                row.payload,
                now,
                contact_id=row.contact_id,
                identity_id=target.id,
                inbound_id=row.inbound_id,
            )
        )
        log.info("outbox row %s falls back to %s", row.id, to)
        return True

    def to_audience(
        self,
        session: Session,
        audience: Select[tuple[int]] | None,
        payload_for_lang: Mapping[str, dict[str, Any]],
        key_prefix: str,
        due_at: datetime,
        now: datetime,
        *,
        fallback_language: str = "fr",
        channels: Collection[str] | None = None,
    ) -> int:
        """One row per person of `audience` (a SELECT of contact ids; None for everyone)
        whom Orienta may write to first (test people left out), on the address it would
        write to them on, due at `due_at`, with the payload of their language (an
        `Outbound.payload()`); people whose language has no payload get
        `fallback_language`'s, which must be given. Written by the database, one
        `INSERT … SELECT` per language, so an audience of any size never passes through
        this process; a key already present is skipped, so running it again adds only
        the people it missed. The number of rows added."""
        if fallback_language not in payload_for_lang:
            raise ValueError(f"no payload for the fallback language {fallback_language!r}")
        if len(key_prefix) > 100:
            raise ValueError("key_prefix is too long for an idempotency key")
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            insert: Any = postgresql.insert
        elif dialect == "sqlite":
            insert = sqlite.insert
        else:  # pragma: no cover - Orienta runs on these two
            raise NotImplementedError(dialect)
        ranked = policy.ranked_identities(tuple(channels) if channels else None).subquery()
        others = [lang for lang in payload_for_lang if lang != fallback_language]
        added = 0
        for lang, payload in payload_for_lang.items():
            speaks: ColumnElement[bool]
            if lang == fallback_language:
                speaks = or_(
                    Contact.language.is_(None),
                    Contact.language == lang,
                    Contact.language.not_in(others) if others else true(),
                )
            else:
                speaks = Contact.language == lang
            # policy.may_start, as SQL: consented, not stopped, not shielded, not paused
            # by staff (erased people have no row); and no test person of the simulator.
            conditions = [
                ranked.c.rank == 1,
                policy.real_people(),
                Contact.consent == "given",
                Contact.opted_out_at.is_(None),
                Contact.shielded_at.is_(None),
                Contact.paused_at.is_(None),
                speaks,
            ]
            if audience is not None:
                conditions.append(Contact.id.in_(audience.scalar_subquery()))
            rows = (
                select(
                    (literal(f"{key_prefix}:", String) + cast(Contact.id, String)).label("key"),
                    Contact.id,
                    ranked.c.id,
                    ranked.c.channel,
                    literal(payload, JSONType),
                    literal("queued", String),
                    literal(0, Integer),
                    literal(due_at, _TABLE.c.due_at.type),
                    literal(now, _TABLE.c.created_at.type),
                    literal(now, _TABLE.c.updated_at.type),
                )
                .select_from(ranked)
                .join(Contact, Contact.id == ranked.c.contact_id)
                .where(and_(*conditions))
            )
            statement = (
                insert(_TABLE)  # Core: the database's own row count
                .from_select(
                    [
                        _TABLE.c.idempotency_key,
                        _TABLE.c.contact_id,
                        _TABLE.c.identity_id,
                        _TABLE.c.channel,
                        _TABLE.c.payload,
                        _TABLE.c.status,
                        _TABLE.c.attempts,
                        _TABLE.c.due_at,
                        _TABLE.c.created_at,
                        _TABLE.c.updated_at,
                    ],
                    rows,
                )
                .on_conflict_do_nothing(index_elements=[_TABLE.c.idempotency_key])
            )
            # INSERT's row count is kept only when asked for (SQLAlchemy 2).
            result = typed(
                CursorResult[Any],
                session.execute(statement, execution_options={"preserve_rowcount": True}),
            )
            added += max(result.rowcount, 0)
        return added
