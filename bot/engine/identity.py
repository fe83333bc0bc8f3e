"""Who is writing: the one way to find or create the person behind a channel address,
to join two of their addresses, and to note the partner whose referral code brought them.

Addresses (phone numbers, chat ids) are matched by an HMAC of the address under a
secret key, so look-ups never compare clear numbers and a later change can encrypt
the `address` column without touching callers. One phone on several phone channels
(SMS and WhatsApp) is one person.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import re
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ScalarSelect, Select, bindparam, delete, func, select, type_coerce, update
from sqlalchemy.orm import Session

from bot.channels.registry import phone_channels
from bot.storage.models import (
    Answer,
    ChannelIdentity,
    Contact,
    Conversation,
    InboundMessage,
    Partner,
    ReferralArrival,
)
from bot.storage.models.base import JSONType

__all__ = [
    "address_hash",
    "attribute_referral",
    "create_identity",
    "find_identity",
    "find_person",
    "has_phone",
    "link_phone",
]

log = logging.getLogger(__name__)

_CODE_WORDS = re.compile(r"[A-Za-z0-9-]{3,16}")


def address_hash(key: str, address: str) -> str:
    """Keyed hash of an address; the same number on SMS and WhatsApp hashes the same."""
    return hmac.new(key.encode(), address.strip().encode(), hashlib.sha256).hexdigest()


class Person(NamedTuple):
    """Everything a turn reads about the person writing, from one statement."""

    identity: ChannelIdentity
    contact: Contact
    conversation: Conversation | None
    answers: dict[str, Any]
    """Their answers by field (what `Answer.value` holds)."""


def find_person(
    session: Session, key: str, channel: str, address: str, *, lock: bool = False
) -> Person | None:
    """The person writing from (channel, address), with their conversation and their
    answers, in one statement; their contact row locked when `lock` (PostgreSQL: it
    serialises concurrent messages of one person; SQLite serialises every write)."""
    query = _person_query(session.get_bind().dialect.name, lock)
    hashed = address_hash(key, address)
    row = session.execute(query, {"channel": channel, "hashed": hashed}).one_or_none()
    if row is None:
        return None
    identity, contact, conversation, answers = row
    return Person(identity, contact, conversation, answers or {})


def find_identity(
    session: Session, key: str, channel: str, address: str, *, lock: bool = False
) -> ChannelIdentity | None:
    """The identity for (channel, address), as `find_person` finds it."""
    person = find_person(session, key, channel, address, lock=lock)
    return None if person is None else person.identity


@functools.cache  # built once: building and keying it cost more than running it
def _person_query(dialect: str, lock: bool) -> Select[Any]:
    query = (
        select(ChannelIdentity, Contact, Conversation, _answers_of(dialect))
        .join(Contact, Contact.id == ChannelIdentity.contact_id)
        .outerjoin(Conversation, Conversation.contact_id == Contact.id)
        .where(
            ChannelIdentity.channel == bindparam("channel"),
            ChannelIdentity.address_hash == bindparam("hashed"),
        )
    )
    return query.with_for_update(of=Contact) if lock else query


def _answers_of(dialect: str) -> ScalarSelect[Any]:
    """A contact's answers as one JSON object {field: value}, as a column: no second
    statement, no row per answer."""
    if dialect == "postgresql":
        aggregate = func.jsonb_object_agg(Answer.field, Answer.value)
    else:  # SQLite keeps JSON as text: json() makes each value JSON again, not a string
        aggregate = func.json_group_object(Answer.field, func.json(Answer.value))
    return (
        select(type_coerce(aggregate, JSONType))
        .where(Answer.contact_id == Contact.id)
        .correlate(Contact)
        .scalar_subquery()
    )


def create_identity(
    session: Session, key: str, channel: str, address: str, now: datetime, *, test: bool = False
) -> ChannelIdentity:
    """A new way to reach a contact: the contact who has the same phone on another phone
    channel, or a new one. `test`: a test person of the admin's simulator, who is never
    joined to a real one. Flushes: a concurrent creation of the same identity raises
    IntegrityError here, and the caller retries its transaction."""
    hashed = address_hash(key, address)
    contact = None
    phones = phone_channels()
    if channel in phones:
        sibling = session.scalars(
            select(ChannelIdentity)
            .join(Contact, Contact.id == ChannelIdentity.contact_id)
            .where(
                ChannelIdentity.address_hash == hashed,
                ChannelIdentity.channel.in_(phones),
                Contact.test.is_(test),
            )
        ).first()
        contact = sibling.contact if sibling is not None else None
    if contact is None:
        contact = Contact(created_at=now, consent="pending", test=test)
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


def link_phone(
    session: Session, key: str, identity: ChannelIdentity, phone: str, now: datetime
) -> Contact:
    """Join this chat to the person known by `phone` on a phone channel, or remember the
    phone for this person (as an SMS address); the contact that goes on."""
    hashed = address_hash(key, phone)
    known = session.scalars(
        select(ChannelIdentity).where(
            ChannelIdentity.address_hash == hashed,
            ChannelIdentity.channel.in_(phone_channels()),
        )
    ).first()
    if known is None:
        session.add(
            ChannelIdentity(
                contact_id=identity.contact_id,
                channel="sms",
                address_hash=hashed,
                address=phone,
                created_at=now,
            )
        )
        return identity.contact
    if known.contact_id == identity.contact_id:
        return identity.contact
    # They already talked to us by SMS or WhatsApp: that conversation goes on here.
    previous = identity.contact_id
    identity.contact_id = known.contact_id
    session.flush()
    session.expire(identity)
    others = select(ChannelIdentity.id).where(ChannelIdentity.contact_id == previous)
    if session.scalars(others).first() is None:
        session.execute(
            update(InboundMessage)
            .where(InboundMessage.contact_id == previous)
            .values(contact_id=known.contact_id)
        )
        session.execute(delete(Contact).where(Contact.id == previous))
    contact = session.get(Contact, known.contact_id)
    assert contact is not None
    return contact


def has_phone(session: Session, contact: Contact) -> bool:
    """Whether the person can be reached on a phone channel."""
    found = select(ChannelIdentity.id).where(
        ChannelIdentity.contact_id == contact.id,
        ChannelIdentity.channel.in_(phone_channels()),
    )
    return session.scalars(found).first() is not None


def attribute_referral(
    session: Session, contact: Contact, channel: str, text: str, now: datetime
) -> None:
    """A first message carrying a partner's referral code (Telegram deep link, WhatsApp
    click-to-chat text, a code typed in an SMS): the person came through that partner,
    and an anonymous arrival is counted (bot/booking/referrals.py)."""
    words = {w.upper() for w in _CODE_WORDS.findall(text[:200])}
    if not words:
        return
    partner = session.scalars(
        select(Partner).where(Partner.code.in_(sorted(words)[:20]), Partner.active.is_(True))
    ).first()
    if partner is None:
        return
    contact.referred_by_partner_id = partner.id
    if contact.test:  # the simulator's test people are counted nowhere
        return
    session.add(ReferralArrival(partner_id=partner.id, channel=channel, arrived_at=now))
    log.info("arrival through a referral code", extra={"partner": partner.code})
