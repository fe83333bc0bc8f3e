"""Erasure: a person asked to be forgotten (EFFACER, confirmed), or refused consent.

Everything about them goes, for real: the contact row and, by ON DELETE CASCADE, their
identities (phone numbers, chat ids), answers, conversation, flags, bookings and queued
messages. Their bookings' places are freed and their partners told first. The inbound
log keeps only provider ids (for de-duplication), unlinked. A refusal keeps one
anonymous row saying that someone said no, and to which consent text.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, update

from bot.booking import notices
from bot.booking import places as bk
from bot.engine.turn import Turn
from bot.flows.orientation import CONSENT_VERSION
from bot.outbox.writer import OutboxWriter
from bot.settings import Settings
from bot.storage.models import ConsentRefusal, Contact, InboundMessage

__all__ = ["erase", "forget_after_refusal"]

log = logging.getLogger(__name__)


def erase(turn: Turn, settings: Settings, writer: OutboxWriter) -> None:
    """Remove the person of `turn`: contact, identities, answers, state, flags, messages,
    bookings (their places freed, their partners told)."""
    session, now = turn.session, turn.now
    contact_id = turn.contact.id
    for booking in bk.open_bookings(session, contact_id, now):
        bk.cancel_booking(session, booking, now)
        notices.notify_partner(session, booking, "cancelled", settings, writer, now)
    session.execute(
        update(InboundMessage)
        .where(InboundMessage.contact_id == contact_id)
        .values(contact_id=None)
    )
    session.flush()
    session.execute(delete(Contact).where(Contact.id == contact_id))
    session.expunge(turn.contact)
    session.expunge(turn.identity)
    if turn.conversation is not None and turn.conversation in session:
        session.expunge(turn.conversation)
    turn.erased = True
    log.info("contact erased")


def forget_after_refusal(turn: Turn, settings: Settings, writer: OutboxWriter) -> None:
    """Keep only the refusal, anonymous: the person, their number and state go, as with
    EFFACER. If they write again they start afresh and are asked again."""
    turn.session.add(ConsentRefusal(consent_version=CONSENT_VERSION, refused_at=turn.now))
    erase(turn, settings, writer)
