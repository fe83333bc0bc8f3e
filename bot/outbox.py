"""Queueing one message for each person of an audience (a broadcast, a day of reminders).

The rows are written by the database itself, one `INSERT … SELECT` per language, so an
audience of any size is never loaded into this process: memory does not grow with it.
Each row is keyed `{key_prefix}:{contact id}` and a key already present is skipped, so
running the same fan-out twice (a retry after a crash, a double click) queues nothing
more. The outbox dispatcher then sends the rows at its pace, like any other.

Who gets a row: people in the audience who gave their consent and did not opt out
(STOP), on their reachable identity last written from (as `Engine.push` chooses it),
on one of `channels`. Erased people have no contact row, hence no message.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any
from typing import cast as typed

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    cast,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from bot.engine import utcnow
from bot.storage.models import ChannelIdentity, Contact, JSONType, OutboxMessage

__all__ = ["AUDIENCE_CHANNELS", "audience_key", "enqueue_audience"]

AUDIENCE_CHANNELS = ("sms", "whatsapp", "telegram")
"""Channels a message Orienta starts can go out on (not the console, not e-mail)."""


def audience_key(key_prefix: str, contact_id: int) -> str:
    """The idempotency key of the row `enqueue_audience` writes for one person."""
    return f"{key_prefix}:{contact_id}"


def enqueue_audience(
    session: Session,
    audience: Select[tuple[int]] | None,
    payload_for_lang: Mapping[str, dict[str, Any]],
    key_prefix: str,
    due_at: datetime,
    *,
    fallback_language: str = "fr",
    channels: Collection[str] = AUDIENCE_CHANNELS,
    now: datetime | None = None,
) -> int:
    """Queue one outbox row per person of `audience` (a SELECT of contact ids; None for
    everyone), due at `due_at`, with the payload of their language (an
    `Outbound.payload()`); people whose language has no payload get the payload of
    `fallback_language`, which must be given. Returns the number of rows added (0 when
    run again). Runs in the caller's transaction."""
    if fallback_language not in payload_for_lang:
        raise ValueError(f"no payload for the fallback language {fallback_language!r}")
    if len(key_prefix) > 100:
        raise ValueError("key_prefix is too long for an idempotency key")
    now = now or utcnow()
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        insert: Any = postgresql.insert
    elif dialect == "sqlite":
        insert = sqlite.insert
    else:  # pragma: no cover - Orienta runs on these two
        raise NotImplementedError(dialect)

    # Each contact's reachable identity last written from (the one Engine.push picks).
    ranked = (
        select(
            ChannelIdentity.id,
            ChannelIdentity.contact_id,
            ChannelIdentity.channel,
            func.row_number()
            .over(
                partition_by=ChannelIdentity.contact_id,
                order_by=(
                    ChannelIdentity.last_inbound_at.desc().nulls_last(),
                    ChannelIdentity.id,
                ),
            )
            .label("rank"),
        )
        .where(
            ChannelIdentity.unreachable_at.is_(None),
            ChannelIdentity.channel.in_(list(channels)),
        )
        .subquery("reachable")
    )
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
        conditions = [
            ranked.c.rank == 1,
            Contact.consent == "given",
            Contact.opted_out_at.is_(None),
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
                literal(due_at, OutboxMessage.__table__.c.due_at.type),
                literal(now, OutboxMessage.__table__.c.created_at.type),
                literal(now, OutboxMessage.__table__.c.updated_at.type),
            )
            .select_from(ranked)
            .join(Contact, Contact.id == ranked.c.contact_id)
            .where(and_(*conditions))
        )
        statement = (
            insert(OutboxMessage.__table__)  # Core: the database's own row count
            .from_select(
                [
                    OutboxMessage.idempotency_key,
                    OutboxMessage.contact_id,
                    OutboxMessage.identity_id,
                    OutboxMessage.channel,
                    OutboxMessage.payload,
                    OutboxMessage.status,
                    OutboxMessage.attempts,
                    OutboxMessage.due_at,
                    OutboxMessage.created_at,
                    OutboxMessage.updated_at,
                ],
                rows,
            )
            .on_conflict_do_nothing(index_elements=[OutboxMessage.idempotency_key])
        )
        # INSERT's row count is kept only when asked for (SQLAlchemy 2).
        result = typed(
            CursorResult[Any],
            session.execute(statement, execution_options={"preserve_rowcount": True}),
        )
        added += max(result.rowcount, 0)
    return added
