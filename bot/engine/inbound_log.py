"""The inbound log: one row per message received, written by the turn that answers it.

It holds the provider's id (a redelivery is refused by its unique key, and then
answered as the first time: bot/engine/engine.py), who wrote and from which identity,
the kind of message and when; never what was written. Its row also marks, by a trigger
(migration 9c4e2f7a1b3d), when the person last wrote, on their contact and on that
identity, which is reachable again: one statement for what used to be three.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from bot.messaging import Inbound
from bot.storage.models import InboundMessage

__all__ = ["log_inbound"]

_INSERT = insert(cast(Table, InboundMessage.__table__)).returning(InboundMessage.id)
"""In Core: the row is written once and never read back in the turn."""


def log_inbound(
    session: Session,
    inbound: Inbound,
    provider_id: str,
    now: datetime,
    *,
    contact_id: int | None,
    identity_id: int | None,
) -> int:
    """The row's id. `contact_id` and `identity_id` are None after an erasure."""
    text = inbound.text or ""
    values = {
        "channel": inbound.channel,
        "provider_id": provider_id,
        "contact_id": contact_id,
        "identity_id": identity_id,
        "kind": "media" if inbound.media else ("text" if text.strip() else "empty"),
        "received_at": now,
    }
    return int(session.connection().execute(_INSERT, values).scalar_one())
