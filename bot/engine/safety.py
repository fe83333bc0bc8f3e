"""What a person asking for help is told, from any state: urgent help (words of danger
in any sentence, URGENCE, or the need "Aide urgente") and asking for a person.

The urgent path stops the questionnaire. The person gets a short, warm answer with the
hotlines (self-harm has its own words), then chooses: be contacted by the team, go on
with the orientation later, or now. Before anyone writes, they say whether their number
is safe to use and when; then they wait, and SUITE takes them back to their question.
Asking for a person opens a handoff request and lets them go on meanwhile. Both tell the
person honestly when staff read requests (ORIENTA_OFFICE_HOURS). The request itself, its
states and what staff do with it: bot/engine/help.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.channels.registry import capabilities
from bot.engine import help as episodes
from bot.engine.distress import Distress
from bot.engine.identity import has_phone
from bot.engine.messages import (
    HANDOFF,
    HANDOFF_AGAIN,
    HELP_LATER,
    HELP_NOT_SAFE,
    HELP_WAITING,
    HELP_WHEN_CLOSED,
    HELP_WHEN_OPEN,
    HELP_WILL_WRITE,
    HELP_WILL_WRITE_OR_CALL,
    SELF_HARM,
    URGENT,
    URGENT_FOLLOWED,
)
from bot.engine.phrases import PhraseList
from bot.engine.turn import Turn
from bot.flows.model import Ask, Event, Say
from bot.i18n.formatting import format_datetime, format_time
from bot.i18n.languages import DEFAULT_LANGUAGE
from bot.i18n.translate import M, translate
from bot.scheduling.hours import next_opening, office_open

if TYPE_CHECKING:
    from bot.engine.engine import Engine

__all__ = [
    "asks_for_person",
    "handoff",
    "help_chosen",
    "urgent",
    "urgent_while_taken",
    "waiting",
]

# Sentences that ask for a person (the keywords AGENT, PARLER… are in keywords.py).
PERSON_PHRASES = PhraseList(
    M(
        "handoff.phrases",
        "parler a quelqu un, parler avec quelqu un, parler a une personne, "
        "parler avec une personne, parler a un agent, parler a un conseiller, "
        "parler a une conseillere, parler a un humain, parler a l equipe, "
        "parler au telephone, appelez moi, appele moi, appeler moi, appellez moi, "
        "rappelez moi, rappele moi, m appeler, me rappeler, m appelle*, un humain, "
        "une vraie personne, une personne reelle, quelqu un de l equipe, "
        "talk to someone, speak to someone, talk to a person, speak to a person, "
        "call me, a human, real person",
    )
)

Replies = list[Say | Ask]


def urgent(engine: Engine, turn: Turn, distress: Distress) -> None:
    """A call for help, at any moment: the questionnaire stops."""
    contact, state = turn.contact, turn.state
    assert state is not None
    if contact.language is None and distress.language != DEFAULT_LANGUAGE:
        contact.language = distress.language  # answered in the words they wrote
    episode, _ = episodes.ask_for_help(turn.session, contact, "urgent", distress.category, turn.now)
    words = Say(SELF_HARM if distress.category == "self_harm" else URGENT, alone=True)
    episodes.remember_where(state)
    state.retries = 0
    if episode.choice == "contact" and episode.safe_contact is not None:
        state.step = "help_wait"  # they asked to be contacted already: still waiting
        turn.replies = [words, Say(HELP_WAITING), Ask("help_wait")]
        return
    state.step = "self_harm_choice" if distress.category == "self_harm" else "urgent_choice"
    turn.replies = [words, Ask(state.step)]


def urgent_while_taken(engine: Engine, turn: Turn, distress: Distress) -> None:
    """A call for help while a staff member has the request: the numbers, and that
    someone follows it (the staff member reads the message too)."""
    episodes.ask_for_help(turn.session, turn.contact, "urgent", distress.category, turn.now)
    turn.replies = [Say(URGENT_FOLLOWED, alone=True)]


def handoff(engine: Engine, turn: Turn, then: Replies) -> None:
    """The person asked to talk to someone: a request for staff, an honest word on when,
    and the bot goes on meanwhile (`then`)."""
    _, created = episodes.ask_for_help(turn.session, turn.contact, "handoff", None, turn.now)
    said = HANDOFF if created else HANDOFF_AGAIN
    turn.replies = [Say(said, (("when", _when(engine, turn)),)), *then]


def asks_for_person(text: str) -> bool:
    """True when `text` asks to talk to someone ("je veux parler à quelqu'un")."""
    return PERSON_PHRASES.find(text) is not None


def waiting(turn: Turn) -> Replies:
    """A message at the wait that is not SUITE: the request stands."""
    return [Say(HELP_WAITING), Ask("help_wait")]


def help_chosen(engine: Engine, turn: Turn, event: Event, replies: Replies) -> None:
    """The person's choice after the urgent answer, or whether their number is safe."""
    state = turn.state
    assert state is not None
    episode = episodes.open_episode(turn.session, turn.contact)
    if event.name == "help_now" or episode is None:
        if episode is not None and episode.choice is None:
            episode.choice = "now"
        episodes.resume(state)
        replies[:] = [Ask(state.step)] if state.step else []
        return
    if event.name == "help_contact":
        episode.choice = "contact"  # the runner asks whether the number is safe next
    elif event.name == "help_later":
        episode.choice = "later"
        replies[:] = [Say(HELP_LATER), Ask("help_wait")]
    elif event.name == "help_safe" and isinstance(event.value, str):
        episodes.set_safe_contact(turn.contact, episode, event.value, turn.now)
        if event.value == "no":
            replies[:] = [Say(HELP_NOT_SAFE), Ask("help_wait")]
        else:
            callable_ = capabilities(turn.identity.channel).phone or has_phone(
                turn.session, turn.contact
            )
            said = HELP_WILL_WRITE_OR_CALL if callable_ else HELP_WILL_WRITE
            replies[:] = [Say(said, (("when", _when(engine, turn)),)), Ask("help_wait")]


def _when(engine: Engine, turn: Turn) -> str:
    """When staff will read the request, in the person's language."""
    settings, lang = engine.settings, turn.lang
    if office_open(turn.now, settings):
        local = turn.now.astimezone(settings.tz)
        closes = local.replace(
            hour=settings.office_hours.closes.hour,
            minute=settings.office_hours.closes.minute,
            second=0,
            microsecond=0,
        )
        return translate(HELP_WHEN_OPEN, lang, closes=format_time(closes, lang, settings.tz))
    opens = next_opening(turn.now, settings)
    return translate(HELP_WHEN_CLOSED, lang, opens=format_datetime(opens, lang, settings.tz))
