"""The one way to find or create the contact behind a channel address.

Addresses (phone numbers, chat ids) are matched by an HMAC of the address under a
secret key, so look-ups never compare clear numbers and a later change can encrypt
the `address` column without touching callers.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.models import ChannelIdentity, Contact

__all__ = ["PHONE_CHANNELS", "address_hash", "create_identity", "find_identity"]

# Channels whose address is a phone number in E.164.
PHONE_CHANNELS = ("sms", "whatsapp")


def address_hash(key: str, address: str) -> str:
    """Keyed hash of an address; the same number on SMS and WhatsApp hashes the same."""
    return hmac.new(key.encode(), address.strip().encode(), hashlib.sha256).hexdigest()


def find_identity(
    session: Session, key: str, channel: str, address: str, *, lock: bool = False
) -> ChannelIdentity | None:
    """The identity for (channel, address), its contact row locked when `lock` (PostgreSQL)."""
    # One query: the identity with its contact (which `identity.contact` then finds
    # loaded). The contact row's lock serialises concurrent messages of one person (a
    # no-op on SQLite, whose writes are serialised by the database lock anyway).
    query = (
        select(ChannelIdentity, Contact)
        .join(Contact, Contact.id == ChannelIdentity.contact_id)
        .where(
            ChannelIdentity.channel == channel,
            ChannelIdentity.address_hash == address_hash(key, address),
        )
    )
    if lock:
        query = query.with_for_update(of=Contact)
    row = session.execute(query).one_or_none()
    return None if row is None else row[0]


def create_identity(
    session: Session, key: str, channel: str, address: str, now: datetime
) -> ChannelIdentity:
    """A new way to reach a contact: the contact who has the same phone on another phone
    channel, or a new one. Flushes: a concurrent creation of the same identity raises
    IntegrityError here, and the caller retries its transaction."""
    hashed = address_hash(key, address)
    contact = None
    if channel in PHONE_CHANNELS:
        # The same phone on SMS and WhatsApp is one person.
        sibling = session.scalars(
            select(ChannelIdentity).where(
                ChannelIdentity.address_hash == hashed,
                ChannelIdentity.channel.in_(PHONE_CHANNELS),
            )
        ).first()
        contact = sibling.contact if sibling is not None else None
    if contact is None:
        contact = Contact(created_at=now, consent="pending")
    identity = ChannelIdentity(
        contact=contact,
        channel=channel,
        address_hash=hashed,
        address=address.strip(),
        created_at=now,
    )
    session.add(identity)
    session.flush()
    return identity
