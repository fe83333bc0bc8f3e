"""Staff's pause of the bot for one person (the admin's « Mettre en pause »): pausing,
resuming, and what the bot does with the person's messages meanwhile.

While `Contact.paused_at` is set:

- Orienta starts nothing to them: no reminder, nudge, follow-up or broadcast
  (bot/outbox/policy.py's `may_start`, and the SQL of `OutboxWriter.to_audience`).
  Staff answering their request for help still write to them.
- The bot does not run the orientation with them. A message gets one short reply, that
  a member of the team will answer (`PAUSED`): at their first message of the pause, then
  again only once ORIENTA_RESUME_AFTER_HOURS have passed since it was last said. Never
  silence at the first message (they would not know they were heard); not the same
  sentence at every message either: people often write one thought in several SMS, each
  reply is paid for, and an echo at each one reads as a machine that does not listen.
- STOP, EFFACER (and its question) and any call for help work exactly as usual, and so
  do the help steps after a call for help (what they want, whether their phone is safe
  to use); REPRENDRE after STOP lifts the STOP. A question of the orientation that such
  an answer would ask next is replaced by the same short reply.

Resuming clears the pause; the person's next message is met with the question they
were at and a welcome back, as after a long absence. The admin calls `pause` and
`resume` in its transaction; the engine calls `holds`, `answer` and `keep_to_help`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.engine.distress import Distress
from bot.engine.help import SHOW_QUESTION
from bot.engine.turn import Turn, find_conversation
from bot.flows.common import HELP_STEP_IDS
from bot.flows.model import Ask, Say
from bot.i18n.translate import M
from bot.settings import Settings
from bot.storage.models import Contact

__all__ = ["PAUSED", "answer", "holds", "keep_to_help", "pause", "resume"]

PAUSED = M(
    "paused.ack",
    "Merci pour votre message. Une personne de l'équipe d'Orienta vous répondra. En cas "
    "de danger, écrivez URGENCE.",
)
_SAID_AT = "paused_reply_at"
"""In the conversation's context: when `PAUSED` was last said (ISO 8601)."""
_SPOKEN_STEPS = HELP_STEP_IDS | {"erase_confirm"}
"""The steps the bot still asks while paused."""


def pause(contact: Contact, now: datetime) -> bool:
    """Pause the bot for `contact`; False when it was paused already."""
    if contact.paused_at is not None:
        return False
    contact.paused_at = now
    return True


def resume(session: Session, contact: Contact) -> bool:
    """The bot talks to `contact` again; False when it was not paused."""
    if contact.paused_at is None:
        return False
    contact.paused_at = None
    conversation = find_conversation(session, contact)
    if conversation is not None and conversation.step is not None:
        context = dict(conversation.context or {})
        context.pop(_SAID_AT, None)
        context[SHOW_QUESTION] = True  # their next message: welcome back, and the question
        conversation.context = context
    return True


def holds(turn: Turn, distress: Distress | None, confirming_erasure: bool) -> bool:
    """Whether the bot keeps out of this message, staff having paused it."""
    if turn.contact.paused_at is None:
        return False
    if distress is not None or confirming_erasure or turn.keyword in ("stop", "erase"):
        return False
    if turn.keyword == "start" and turn.silenced:
        return False  # REPRENDRE after STOP: their choice to hear from Orienta again
    at_help = turn.state is not None and turn.state.step in HELP_STEP_IDS
    return not (at_help and turn.keyword is None and not turn.inbound.shared_phone)


def answer(turn: Turn, settings: Settings) -> None:
    """The reply to a message the bot keeps out of, unless it was said lately."""
    every = timedelta(hours=settings.resume_after_hours)
    said = _said_at(turn)
    paused_at = turn.contact.paused_at
    if said is None or (paused_at is not None and said < paused_at) or turn.now - said >= every:
        turn.replies = [Say(PAUSED)]
        _remember(turn)
    else:
        turn.replies = []


def keep_to_help(turn: Turn) -> None:
    """After a message the bot answered while paused (a call for help, EFFACER…): no
    question of the orientation, the short reply instead."""
    if turn.erased or turn.contact.paused_at is None:
        return
    kept = [r for r in turn.replies if not isinstance(r, Ask) or r.step in _SPOKEN_STEPS]
    if len(kept) < len(turn.replies):
        turn.replies = [*kept, Say(PAUSED)]
        _remember(turn)


def _said_at(turn: Turn) -> datetime | None:
    said = turn.state.context.get(_SAID_AT) if turn.state is not None else None
    return datetime.fromisoformat(said) if isinstance(said, str) else None


def _remember(turn: Turn) -> None:
    if turn.state is not None:
        turn.state.context[_SAID_AT] = turn.now.isoformat()
