"""What each global keyword does (STOP, AIDE, MENU, LANGUE, EFFACER, AGENT…): one small
function each, registered by keyword in `COMMANDS`.

A command gets the engine and the turn, and sets the turn's replies (and state). The
words of each keyword, in every language, are in bot/engine/keywords.py. URGENCE is not
here: it is a call for help like words of danger in any sentence, which the engine
answers before any keyword (bot/engine/safety.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import delete

from bot.booking.desk import NONE_YET
from bot.channels.registry import capabilities
from bot.engine import help as episodes
from bot.engine import safety
from bot.engine.keywords import Keyword
from bot.engine.messages import (
    HELP,
    HELP_STOPPED,
    HELP_VOICE,
    LANGUAGE_CHANGE,
    PHONE_LINKED,
    RESTARTED_AFTER_STOP,
    STOPPED,
    VOICE_OFF,
    VOICE_ON,
    VOICE_ON_ELSEWHERE,
)
from bot.engine.turn import Turn
from bot.flows.model import Ask, FlowState, Say
from bot.flows.registry import find_flow
from bot.flows.runner import restart
from bot.storage.models import Answer

if TYPE_CHECKING:
    from bot.engine.engine import Engine

__all__ = ["COMMANDS", "SPOKEN_WHEN_STOPPED", "Command", "detour", "phone_shared"]

Command = Callable[["Engine", Turn], None]

# What a person who wrote STOP can still use: coming back, help, erasure, urgent help.
SPOKEN_WHEN_STOPPED: frozenset[Keyword | None] = frozenset({"start", "help", "erase", "urgent"})


def _current(turn: Turn) -> str:
    assert turn.state is not None and turn.state.step is not None
    return turn.state.step


def _then_ask(turn: Turn) -> list[Say | Ask]:
    """The current question again, unless the person asked for silence."""
    return [Ask(_current(turn))] if not turn.silenced else []


def detour(state: FlowState, step_id: str) -> None:
    """Go to `step_id` now, then back to where the person was."""
    if state.step != step_id:
        # Keep what was still to come (a correction's follow-ups, another detour).
        state.queue = [state.step, *state.queue] if state.step else list(state.queue)
    state.step = step_id
    state.retries = 0


def phone_shared(engine: Engine, turn: Turn) -> None:
    """Their own number shared from the chat app (already linked): thanks, and on."""
    turn.replies = [Say(PHONE_LINKED), Ask(_current(turn))]


def stop(engine: Engine, turn: Turn) -> None:
    turn.contact.opted_out_at = turn.now
    turn.replies = [Say(STOPPED)]


def start(engine: Engine, turn: Turn) -> None:
    assert turn.state is not None
    episodes.resume(turn.state)  # REPRENDRE at the help steps: back to their question
    if turn.contact.opted_out_at is not None:
        turn.contact.opted_out_at = None
        turn.replies = [Say(RESTARTED_AFTER_STOP), Ask(_current(turn))]
    else:
        turn.replies = [Ask(_current(turn))]


def help_(engine: Engine, turn: Turn) -> None:
    if turn.silenced:
        turn.replies = [Say(HELP_STOPPED)]
        return
    turn.replies = [Say(HELP)]
    if capabilities(turn.inbound.channel).media:
        turn.replies.append(Say(HELP_VOICE))
    turn.replies += _then_ask(turn)


def menu(engine: Engine, turn: Turn) -> None:
    """The orientation from its start, answers cleared (consent is not asked again)."""
    turn.session.execute(delete(Answer).where(Answer.contact_id == turn.contact.id))
    turn.flow = find_flow(None)
    fresh = restart(turn.flow, consented=turn.contact.consent == "given")
    turn.state, turn.replies = fresh.state, fresh.replies
    if turn.conversation is not None:
        turn.conversation.completed_at = None


def voice(engine: Engine, turn: Turn) -> None:
    """ÉCOUTER (listen) or TEXTE (text only)."""
    contact = turn.contact
    contact.voice = turn.keyword == "listen"
    if not contact.voice:
        turn.replies = [Say(VOICE_OFF)]
    elif capabilities(turn.inbound.channel).media:
        turn.replies = [Say(VOICE_ON)]
    else:  # SMS: the preference holds for this person's WhatsApp and Telegram
        turn.replies = [Say(VOICE_ON_ELSEWHERE)]
    turn.replies += _then_ask(turn)


def language(engine: Engine, turn: Turn) -> None:
    assert turn.state is not None
    mid_flow = turn.state.step != "language"
    detour(turn.state, "language")
    turn.replies = [Ask("language", prompt=LANGUAGE_CHANGE if mid_flow else None)]


def booking(engine: Engine, turn: Turn) -> None:
    assert turn.state is not None
    completed = turn.conversation is not None and turn.conversation.completed_at is not None
    replies = engine.desk.manage(turn.session, turn.contact, turn.state, completed, turn.now)
    turn.replies = replies if replies is not None else [Say(NONE_YET), Ask(_current(turn))]


def erase(engine: Engine, turn: Turn) -> None:
    assert turn.state is not None
    detour(turn.state, "erase_confirm")
    turn.replies = [Ask("erase_confirm")]


def person(engine: Engine, turn: Turn) -> None:
    safety.handoff(engine, turn, _then_ask(turn))


COMMANDS: dict[Keyword, Command] = {
    "stop": stop,
    "start": start,
    "help": help_,
    "menu": menu,
    "listen": voice,
    "text": voice,
    "language": language,
    "booking": booking,
    "erase": erase,
    "person": person,
}
