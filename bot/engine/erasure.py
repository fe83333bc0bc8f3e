"""Erasure: a person asked to be forgotten (EFFACER, confirmed), staff erased them from
the admin, or they refused consent.

Everything about them goes, for real: the contact row and, by ON DELETE CASCADE, their
identities (phone numbers, chat ids), answers, conversation, flags, help episodes,
bookings, scheduled jobs and queued messages. Their bookings' places are freed and their
partners told first. The inbound log keeps only provider ids (for de-duplication),
unlinked. A refusal keeps one anonymous row saying that someone said no, and to which
consent text. EFFACER and the admin call the same function, `erase_contact`.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, inspect, update
from sqlalchemy.orm import Session

from bot.booking import notices
from bot.booking import places as bk
from bot.engine.turn import Turn
from bot.flows.orientation import CONSENT_VERSION
from bot.outbox.writer import OutboxWriter
from bot.settings import Settings
from bot.storage.models import ConsentRefusal, Contact, InboundMessage

__all__ = ["erase", "erase_contact", "forget_after_refusal"]

log = logging.getLogger(__name__)


def erase_contact(
    session: Session, contact_id: int, settings: Settings, writer: OutboxWriter, now: datetime
) -> None:
    """Remove the person `contact_id`, in the caller's transaction: contact, identities,
    answers, state, flags, help episodes, messages, bookings (their places freed, their
    partners told). Their objects loaded in `session` are detached from it."""
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
    # The database deleted their rows; the session must not write them back. (Read from
    # what is loaded: an expired attribute would be fetched from a row that is gone.)
    for obj in list(session.identity_map.values()):
        state = inspect(obj)
        if isinstance(obj, Contact):
            theirs = state.identity == (contact_id,)
        else:
            theirs = state.dict.get("contact_id") == contact_id
        if theirs:
            session.expunge(obj)
    log.info("contact erased")


def erase(turn: Turn, settings: Settings, writer: OutboxWriter) -> None:
    """Remove the person of `turn` (EFFACER confirmed, or consent refused)."""
    erase_contact(turn.session, turn.contact.id, settings, writer, turn.now)
    for obj in (turn.contact, turn.identity, turn.conversation):
        if obj is not None and obj in turn.session:
            turn.session.expunge(obj)
    turn.erased = True


def forget_after_refusal(turn: Turn, settings: Settings, writer: OutboxWriter) -> None:
    """Keep only the refusal, anonymous: the person, their number and state go, as with
    EFFACER. If they write again they start afresh and are asked again."""
    if not turn.contact.test:  # the simulator's test people are counted nowhere
        turn.session.add(ConsentRefusal(consent_version=CONSENT_VERSION, refused_at=turn.now))
    erase(turn, settings, writer)
