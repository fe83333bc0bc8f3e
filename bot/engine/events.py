"""What each flow event does (an answer saved, consent given, urgent help asked and
what the person chose then, the orientation completed…): one small function each,
registered by event name in `HANDLERS`.

The flow runner returns events named in the past tense; the engine hands each to its
handler with the replies the runner proposed, which the handler may change. Bad input
(`input_rejected`): the runner already said what was wrong; at the third re-ask of one
question in a row, staff are asked to look (a `stuck` flag, listed in the inbox).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, delete, select

from bot.booking.desk import THANKS
from bot.channels.registry import capabilities
from bot.engine import erasure, safety
from bot.engine.distress import Distress
from bot.engine.identity import has_phone
from bot.engine.messages import ERASED, LANGUAGE_PENDING, NOT_ERASED, SHARE_PHONE_OFFER
from bot.engine.turn import Turn
from bot.flows.model import BOOKING_EVENTS, Ask, Event, Say
from bot.flows.orientation import CONSENT_VERSION
from bot.i18n.languages import language_name
from bot.i18n.translate import has_catalog
from bot.storage.models import Answer, Flag
from bot.storage.upsert import upsert

if TYPE_CHECKING:
    from bot.engine.engine import Engine

__all__ = ["HANDLERS", "EventHandler"]

Replies = list[Say | Ask]
EventHandler = Callable[["Engine", Turn, Event, Replies], None]
ANSWERS = cast(Table, Answer.__table__)
KEY = ("contact_id", "field")
STUCK_AFTER = 3
"""Re-asks of one question in a row after which a person is flagged for staff."""


def answer_saved(engine: Engine, turn: Turn, event: Event, replies: Replies) -> None:
    if event.field is None:
        return
    values = {"field": event.field, "value": event.value, "updated_at": turn.now}
    upsert(turn.session, ANSWERS, {"contact_id": turn.contact.id, **values}, KEY)


def answer_cleared(engine: Engine, turn: Turn, event: Event, replies: Replies) -> None:
    if event.field is None:
        return
    turn.session.execute(
        delete(Answer).where(Answer.contact_id == turn.contact.id, Answer.field == event.field)
    )


def language_chosen(engine: Engine, turn: Turn, event: Event, replies: Replies) -> None:
    if not isinstance(event.value, str):
        return
    turn.contact.language = event.value
    if not has_catalog(event.value):
        replies.insert(0, Say(LANGUAGE_PENDING, (("language", language_name(event.value)),)))


def consent_given(engine: Engine, turn: Turn, event: Event, replies: Replies) -> None:
    turn.contact.consent = "given"
    turn.contact.consent_at = turn.now
    turn.contact.consent_version = CONSENT_VERSION


def consent_refused(engine: Engine, turn: Turn, event: Event, replies: Replies) -> None:
    erasure.forget_after_refusal(turn, engine.settings, engine.writer)
    turn.replies = replies  # the kind goodbye, with the help numbers


def urgent_help_requested(engine: Engine, turn: Turn, event: Event, replies: Replies) -> None:
    """The need "Aide urgente": the questionnaire stops (the other needs are kept)."""
    safety.urgent(engine, turn, Distress("other", turn.lang))
    replies[:] = turn.replies


def orientation_completed(engine: Engine, turn: Turn, event: Event, replies: Replies) -> None:
    if turn.conversation is None:
        return
    turn.conversation.completed_at = turn.now
    assert turn.state is not None
    proposals = engine.desk.propose(turn.session, turn.contact, turn.state, turn.now)
    replies[:] = [Say(THANKS), *proposals] if turn.state.step == "offers" else proposals
    share = capabilities(turn.identity.channel).share_phone
    if share and not has_phone(turn.session, turn.contact):
        replies.append(Say(SHARE_PHONE_OFFER, alone=True, ask_phone=True))


def booking_event(engine: Engine, turn: Turn, event: Event, replies: Replies) -> None:
    assert turn.state is not None
    replies[:] = engine.desk.apply(turn.session, turn.contact, turn.state, event, replies, turn.now)


def erase_confirmed(engine: Engine, turn: Turn, event: Event, replies: Replies) -> None:
    erasure.erase(turn, engine.settings, engine.writer)
    turn.replies = [Say(ERASED)]


def input_rejected(engine: Engine, turn: Turn, event: Event, replies: Replies) -> None:
    """Re-asked the same question a third time in a row: one open `stuck` flag, for
    someone who consented (before that, staff may not write to them)."""
    contact, state = turn.contact, turn.state
    if state is None or state.retries != STUCK_AFTER or contact.consent != "given":
        return
    open_flag = select(Flag.id).where(
        Flag.contact_id == contact.id, Flag.kind == "stuck", Flag.resolved_at.is_(None)
    )
    if turn.session.scalars(open_flag).first() is None:
        turn.session.add(Flag(contact_id=contact.id, kind="stuck", created_at=turn.now))


def erase_cancelled(engine: Engine, turn: Turn, event: Event, replies: Replies) -> None:
    replies.insert(0, Say(NOT_ERASED))


HANDLERS: dict[str, EventHandler] = {
    "answer_saved": answer_saved,
    "answer_cleared": answer_cleared,
    "language_chosen": language_chosen,
    "consent_given": consent_given,
    "consent_refused": consent_refused,
    "urgent_help_requested": urgent_help_requested,
    **dict.fromkeys(("help_contact", "help_later", "help_now", "help_safe"), safety.help_chosen),
    "orientation_completed": orientation_completed,
    "erase_confirmed": erase_confirmed,
    "erase_cancelled": erase_cancelled,
    "input_rejected": input_rejected,
    **dict.fromkeys(BOOKING_EVENTS, booking_event),
}
