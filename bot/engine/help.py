"""One state machine for help: an episode, from the first message that asks for help
(urgent help, or a person to talk to) until staff close it.

    requested ──take──> taken ──hand_back──> handed_back ──take──> taken …
        │                 │                      │
        └─────────────────┴──── close(outcome) ──┴──> closed

- `ask_for_help` opens an episode, or adds only a timestamp to the open one (a second
  call for help in the same episode is the same request).
- `take`: one staff member has it; two taking at once, one wins. While taken, the bot
  says nothing to ordinary messages (staff read them); STOP, URGENCE and EFFACER answer.
- `reply`: staff's own words, on the person's channel, through the outbox's one writer.
  From the message that opens an episode until it is closed, what is written both ways
  is kept, sealed (bot/engine/kept.py).
- `hand_back`: the bot resumes the question the person was at.
- `close`, with an outcome. An episode nobody has taken stays open: nothing expires it.

What the person is told in each state is bot/engine/safety.py's. The admin calls these
functions; they run in the caller's transaction.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.engine import kept
from bot.engine.turn import find_conversation, load_state, save_state
from bot.errors import HelpStateError
from bot.flows.common import HELP_STEP_IDS
from bot.flows.model import Ask, FlowState, Say, Verbatim
from bot.outbox.policy import STAFF_REPLY_KEY
from bot.storage.models import Contact, HelpEpisode

if TYPE_CHECKING:
    from bot.engine.engine import Engine

__all__ = [
    "OUTCOMES",
    "SHOW_QUESTION",
    "HelpStateError",
    "ask_for_help",
    "close",
    "hand_back",
    "open_episode",
    "remember_where",
    "reply",
    "resume",
    "set_safe_contact",
    "take",
]

log = logging.getLogger(__name__)

Kind = Literal["urgent", "handoff"]
Outcome = Literal["reached", "referred", "no_answer", "not_needed"]
OUTCOMES: tuple[Outcome, ...] = ("reached", "referred", "no_answer", "not_needed")
# A request about these keeps everything Orienta starts away from the person's phone
# until they say it is safe at any time (it may be watched).
SHIELDED_CATEGORIES = frozenset({"violence", "trafficking"})
# When one episode is asked about twice, the graver category is kept.
_GRAVITY = ("other", "violence", "trafficking", "self_harm")
_RESUME = "help_resume"
SHOW_QUESTION = "show_question"
"""Set in a conversation's context when the person was moved back to a question they
have not been sent: their next message is met with it, as after a long absence."""


def open_episode(session: Session, contact: Contact) -> HelpEpisode | None:
    """The person's open episode, if any (no query when they have none)."""
    if contact.help_state is None:
        return None
    return session.scalars(
        select(HelpEpisode)
        .where(HelpEpisode.contact_id == contact.id, HelpEpisode.state != "closed")
        .order_by(HelpEpisode.id.desc())
    ).first()


def ask_for_help(
    session: Session, contact: Contact, kind: Kind, category: str | None, now: datetime
) -> tuple[HelpEpisode, bool]:
    """The person's open episode, opened now if none was (True) or updated (False): an
    urgent call turns a handoff request urgent, and the graver category is kept."""
    episode = open_episode(session, contact)
    if episode is None:
        episode = HelpEpisode(
            contact_id=contact.id,
            kind=kind,
            category=category,
            state="requested",
            opened_at=now,
            last_message_at=now,
        )
        session.add(episode)
        contact.help_state = "requested"
        created = True
    else:
        episode.last_message_at = now
        if kind == "urgent":
            episode.kind = "urgent"
        if category is not None and _GRAVITY.index(category) > _GRAVITY.index(
            episode.category or "other"
        ):
            episode.category = category
        created = False
    _shield(contact, episode, now)
    log.warning(
        "help requested: it awaits staff",
        extra={"kind": episode.kind, "category": episode.category, "new": created},
    )
    return episode, created


def set_safe_contact(contact: Contact, episode: HelpEpisode, safe: str, now: datetime) -> None:
    """Whether and when the person's number is safe to use, as they said."""
    episode.safe_contact = safe
    episode.safe_contact_at = now
    _shield(contact, episode, now)


def _shield(contact: Contact, episode: HelpEpisode, now: datetime) -> None:
    shielded = (
        episode.kind == "urgent"
        and episode.category in SHIELDED_CATEGORIES
        and episode.safe_contact != "any"
        and episode.state != "closed"
    )
    contact.shielded_at = (contact.shielded_at or now) if shielded else None


# -- where the person was --------------------------------------------------------------


def remember_where(state: FlowState) -> None:
    """Before the help steps: the question the person was at, to come back to."""
    if state.step is not None and state.step not in HELP_STEP_IDS:
        state.context[_RESUME] = {"step": state.step, "queue": list(state.queue)}
        state.queue = []


def resume(state: FlowState) -> bool:
    """Back to the question the person was at before the help steps; False when they
    were not at one."""
    if state.step not in HELP_STEP_IDS and _RESUME not in state.context:
        return False
    where = state.context.pop(_RESUME, None) or {}
    if state.step in HELP_STEP_IDS or state.step is None:
        state.step = where.get("step")
        state.queue = list(where.get("queue") or [])
        state.retries = 0
    return True


# -- what staff do -----------------------------------------------------------------------


def take(session: Session, episode_id: int, staff: str, now: datetime) -> bool:
    """`staff` takes the episode; False when someone else has it, or it is closed."""
    taken = session.execute(
        update(HelpEpisode)
        .where(HelpEpisode.id == episode_id, HelpEpisode.state.in_(("requested", "handed_back")))
        .values(state="taken", taken_by=staff, taken_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if getattr(taken, "rowcount", 0) != 1:  # an UPDATE's result has one
        return False
    episode = session.get(HelpEpisode, episode_id)
    assert episode is not None
    contact = session.get(Contact, episode.contact_id)
    assert contact is not None
    contact.help_state = "taken"
    return True


def _held_by(session: Session, episode_id: int, staff: str) -> tuple[HelpEpisode, Contact]:
    episode = session.get(HelpEpisode, episode_id, with_for_update=True)
    if episode is None or episode.state != "taken" or episode.taken_by != staff:
        raise HelpStateError(f"Episode {episode_id} is not taken by this staff member.")
    contact = session.get(Contact, episode.contact_id)
    assert contact is not None
    return episode, contact


def reply(
    engine: Engine, session: Session, episode_id: int, staff: str, text: str, now: datetime
) -> int:
    """Staff's words to the person, as written, where they last wrote from, and kept
    with the episode's messages (bot/engine/kept.py); the number of messages queued (0,
    and nothing kept, when they may not be written to: STOP, or a number they said is
    not safe and have not written from since)."""
    episode, contact = _held_by(session, episode_id, staff)
    key = f"{STAFF_REPLY_KEY}{episode.id}:reply:{uuid.uuid4().hex[:12]}"
    queued = engine.push(session, contact, [Say(Verbatim(text))], key, now, answering=episode)
    if queued:  # kept with the episode's messages (sealed) once it is on its way
        kept.keep(session, engine.settings, episode.id, "staff", text, now, staff_id=staff)
    return queued


def hand_back(engine: Engine, session: Session, episode_id: int, staff: str, now: datetime) -> None:
    """The bot again: the person is sent the question they were at, where Orienta may
    write to them (otherwise they get it when they next write)."""
    episode, contact = _held_by(session, episode_id, staff)
    episode.state = "handed_back"
    episode.handed_back_at = now
    contact.help_state = "handed_back"
    state = engine.state_of(session, contact)
    if state is not None:
        resume(state)
    if state is not None and state.step is not None:
        key = f"help:{episode.id}:back:{uuid.uuid4().hex[:12]}"
        if not engine.push(session, contact, [Ask(state.step)], key, now, state=state):
            state.context[SHOW_QUESTION] = True  # not sent: shown when they next write
            _save(session, contact, state, now)


def close(session: Session, episode_id: int, staff: str, outcome: str, now: datetime) -> None:
    """The episode is over, with what came of it; the person's conversation goes back to
    where it was, and nothing is shielded any more."""
    if outcome not in OUTCOMES:
        raise ValueError(f"Unknown outcome {outcome!r}; one of {', '.join(OUTCOMES)}.")
    episode = session.get(HelpEpisode, episode_id, with_for_update=True)
    if episode is None or episode.state == "closed":
        raise HelpStateError(f"Episode {episode_id} is closed already.")
    if episode.state == "taken" and episode.taken_by != staff:
        raise HelpStateError(f"Episode {episode_id} is taken by someone else.")
    episode.state = "closed"
    episode.outcome = outcome
    episode.closed_at = now
    contact = session.get(Contact, episode.contact_id)
    assert contact is not None
    contact.help_state = None
    contact.shielded_at = None
    conversation = find_conversation(session, contact)
    flow, state, _ = load_state(session, conversation, contact)
    if state is not None and resume(state):
        state.context[SHOW_QUESTION] = True
        save_state(session, conversation, contact, flow, state, now)


def _save(session: Session, contact: Contact, state: FlowState, now: datetime) -> None:
    conversation = find_conversation(session, contact)
    flow, _, _ = load_state(session, conversation, contact)
    save_state(session, conversation, contact, flow, state, now)
