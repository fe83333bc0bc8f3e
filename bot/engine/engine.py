"""The conversation engine: one inbound message in, replies out, all in one transaction.

For each message: drop a redelivery (same provider id: answer as the first time), find or
create the person (bot/engine/identity.py), read their conversation in its flow
(bot/engine/turn.py), apply a global keyword (bot/engine/commands.py) or advance the
flow and apply its events (bot/engine/events.py), compose the replies
(bot/engine/compose.py), and write state, answers, the inbound log and the replies
(through the outbox's one writer) together, with, while the person's request for help is
open, the text of both, sealed (bot/engine/kept.py). The engine knows no provider: what
differs between channels, it reads from their capabilities.
"""

from __future__ import annotations

import logging
import random
import re
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.booking.desk import BookingDesk
from bot.clock import utcnow
from bot.engine import identity as identities
from bot.engine import kept, pause, safety
from bot.engine.commands import COMMANDS, SPOKEN_WHEN_STOPPED, phone_shared
from bot.engine.compose import Composer
from bot.engine.distress import Distress, detect_distress
from bot.engine.events import HANDLERS
from bot.engine.help import SHOW_QUESTION, open_episode
from bot.engine.inbound_log import log_inbound
from bot.engine.keywords import match_keyword
from bot.engine.messages import WELCOME_BACK
from bot.engine.turn import Turn, been_away, find_conversation, load_state, save_state
from bot.flows.model import Ask, FlowState, Say
from bot.flows.registry import DEFAULT_FLOW, find_flow
from bot.flows.runner import advance, start
from bot.i18n.languages import codes
from bot.messaging import Inbound, Outbound
from bot.outbox.writer import OutboxWriter
from bot.settings import Settings
from bot.storage.groups import in_savepoints
from bot.storage.models import (
    ChannelIdentity,
    Contact,
    HelpEpisode,
    InboundMessage,
    OutboxMessage,
)
from bot.types import Answers, Clock

__all__ = ["Engine"]

log = logging.getLogger(__name__)

_START_WITH_CODE = re.compile(r"/start[ _]+([A-Za-z0-9-]{2,16})", re.IGNORECASE)


class Engine:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        clock: Clock = utcnow,
        rng: random.Random | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.clock = clock
        self.writer = OutboxWriter(settings)
        orientation = find_flow(DEFAULT_FLOW)
        self.desk = BookingDesk(orientation, settings, rng or secrets.SystemRandom(), self.writer)
        self.composer = Composer(settings, self.desk)

    def handle(self, inbound: Inbound, *, send_now: bool = False) -> list[Outbound]:
        """The replies to `inbound`, once it and everything it changed are committed, in
        a transaction of its own (webhooks share one: `turn`, bot/storage/groups.py)."""
        with self.sessions.begin() as session:
            (outcome,) = in_savepoints(session, [self.turn(inbound, send_now=send_now)])
        if isinstance(outcome, BaseException):
            raise outcome
        replies: list[Outbound] = outcome.value
        return replies

    def turn(
        self, inbound: Inbound, *, send_now: bool = False
    ) -> Callable[[Session], list[Outbound]]:
        """The work of answering `inbound`, for a transaction shared with other turns
        (bot/storage/groups.py): its replies, stored once that transaction commits. It
        may run more than once (after a conflict): it only reads and writes the database.

        With `send_now` (Telegram, whose webhook answer cannot carry replies), the replies'
        rows are stored already claimed for sending, and each fresh reply carries its
        row's id (`claimed_id`) for the caller to send it at once and record the outcome;
        a crash before that leaves the row to the dispatcher's reconciliation. Replies
        replayed for a message seen before carry none."""
        runs = 0

        def work(session: Session) -> list[Outbound]:
            nonlocal runs
            # A message seen before (a provider's retry) is rare: rather than looking for
            # it first on every message, its row's unique key refuses it, and the run
            # that follows looks for it and answers what was answered then.
            seen_before = runs > 0
            runs += 1
            replies = self._handle(session, inbound, seen_before, send_now)
            session.flush()  # what the ORM holds (the conversation), before the next turn
            return [
                replace(outbound, claimed_id=row_id) if row_id is not None else outbound
                for outbound, row_id in replies
            ]

        return work

    # -- one transaction ---------------------------------------------------------------

    def _handle(
        self, session: Session, inbound: Inbound, seen_before: bool, send_now: bool
    ) -> list[tuple[Outbound, int | None]]:
        now = self.clock()
        provider_id = inbound.provider_id or f"local-{uuid.uuid4().hex}"
        if seen_before:
            duplicate = session.scalars(
                select(InboundMessage).where(
                    InboundMessage.channel == inbound.channel,
                    InboundMessage.provider_id == provider_id,
                )
            ).one_or_none()
            if duplicate is not None:
                log.info("duplicate inbound ignored", extra={"inbound_id": duplicate.id})
                return [(o, None) for o in self._replies_to(session, duplicate, inbound)]

        key = self.settings.identity_key
        # The person, their conversation and their answers: one statement.
        person = identities.find_person(session, key, inbound.channel, inbound.address, lock=True)
        if person is None:
            identity = identities.create_identity(
                session, key, inbound.channel, inbound.address, now
            )
            contact = identity.contact
            # A new address of someone known (the same phone on another channel) goes
            # on with their conversation: read below, with their answers.
            conversation = find_conversation(session, contact)
            answers: Answers | None = None
        else:
            identity, contact, conversation, answers = person
        text = inbound.text or ""
        if _START_WITH_CODE.fullmatch(text.strip()):  # a Telegram deep link: /start <code>
            inbound = replace(inbound, text="/start")
        if inbound.shared_phone:
            joined = identities.link_phone(session, key, identity, inbound.shared_phone, now)
            if joined is not contact:  # this chat goes on with the person known by phone
                contact, answers = joined, None
                conversation = find_conversation(session, contact)
        if conversation is None and contact.referred_by_partner_id is None:
            identities.attribute_referral(session, contact, inbound.channel, text, now)
        flow, state, stranded = load_state(session, conversation, contact, answers)
        turn = Turn(
            session,
            inbound,
            now,
            contact,
            identity,
            conversation,
            flow,
            state=state,
            keyword=match_keyword(inbound.text),  # a deep link's code dropped: /start
            stranded=stranded,
            # Long silent, or moved back to a question they were not sent (help.py).
            away=been_away(contact, conversation, now, self.settings.resume_after_hours)
            or bool(state is not None and state.context.pop(SHOW_QUESTION, None)),
        )
        self._respond(turn)
        pause.keep_to_help(turn)  # staff paused the bot: no question of the orientation
        # Composed before the state is saved: showing slots remembers which were shown.
        outbounds = self.composer.compose(
            session,
            turn.contact,
            turn.flow,
            turn.state,
            turn.replies,
            inbound.channel,
            inbound.address,
            now,
            erased=turn.erased,
        )
        if not turn.erased and turn.state is not None:
            # Written last: one flush at commit rather than one more before the first
            # query that follows.
            turn.conversation = save_state(
                session, turn.conversation, turn.contact, turn.flow, turn.state, now
            )
        if not turn.erased:  # while they have a request for help open, its text, sealed
            episode = open_episode(session, turn.contact)
            kept.keep_exchange(session, self.settings, episode, text, outbounds, now)
        # Written last, with the replies: a second delivery of the message is refused
        # here by its unique key (see `turn`).
        # After an erasure (or a refusal, which erases) nothing links back.
        contact_id = None if turn.erased else turn.contact.id
        identity_id = None if turn.erased else identity.id
        logged = log_inbound(
            session, inbound, provider_id, now, contact_id=contact_id, identity_id=identity_id
        )
        replies = self.writer.replies(
            session,
            logged,
            outbounds,
            now,
            contact_id=contact_id,
            identity_id=identity_id,
            send_now=send_now,
        )
        log.info(
            "inbound handled",
            extra={
                "contact": None if turn.erased else turn.contact.public_id,
                "channel": inbound.channel,
                "step": turn.state.step if turn.state else None,
                "replies": len(replies),
            },
        )
        return replies

    def _replies_to(
        self, session: Session, row: InboundMessage, inbound: Inbound
    ) -> list[Outbound]:
        stored = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.inbound_id == row.id)
            .order_by(OutboxMessage.id)
        )
        return [
            replace(
                Outbound.from_payload(inbound.channel, inbound.address, o.payload),
                key=o.idempotency_key,
            )
            for o in stored
        ]

    # -- deciding ------------------------------------------------------------------------

    def _respond(self, turn: Turn) -> None:
        inbound, contact, state, keyword = turn.inbound, turn.contact, turn.state, turn.keyword
        confirming_erasure = state is not None and state.step == "erase_confirm"
        # Danger, in any words and at any moment (only STOP and EFFACER come first).
        distress = None
        if keyword == "urgent":
            distress = Distress("other", turn.lang)
        elif keyword not in ("stop", "erase") and not inbound.shared_phone:
            distress = detect_distress(inbound.text or "")
        if contact.help_state == "taken" and not confirming_erasure:
            # A staff member has their request: they read what the person writes, and
            # the bot says nothing but to STOP, EFFACER and calls for help.
            if distress is not None:
                safety.urgent_while_taken(self, turn, distress)
                return
            if keyword not in ("stop", "erase"):
                return
        if (
            turn.silenced
            and distress is None
            and not confirming_erasure
            and keyword not in SPOKEN_WHEN_STOPPED
        ):
            return  # they asked for silence: the message is logged, nothing is sent
        if pause.holds(turn, distress, confirming_erasure):  # staff paused the bot
            pause.answer(turn, self.settings)
            return

        if state is None or state.step is None:
            first = None
            if inbound.language in codes() and contact.language is None:
                contact.language = inbound.language
                first = turn.flow.following("language")[0].id
            fresh = start(turn.flow, at=first)
            state, turn.replies = fresh.state, fresh.replies
            if distress is None and (keyword is None or keyword in ("start", "menu")):
                turn.state = state
                return
        turn.state = state

        if distress is not None:
            safety.urgent(self, turn, distress)
        elif inbound.shared_phone:
            phone_shared(self, turn)
        elif keyword is not None:
            COMMANDS[keyword](self, turn)
        elif turn.stranded:
            # What they wrote answered a question this release no longer asks.
            turn.replies = [Say(WELCOME_BACK), Ask(_step(state))]
        else:
            self._advance(turn, state)

    def _advance(self, turn: Turn, state: FlowState) -> None:
        """The message as an answer to the person's current question."""
        inbound, contact = turn.inbound, turn.contact
        current = _step(state)
        step = turn.flow.step(current)
        dynamic = None
        if step.source is not None:
            dynamic = self.desk.options(turn.session, contact, step, state, turn.now, False)
        result = advance(
            turn.flow,
            state,
            inbound.text or "",
            lang=turn.lang,
            has_media=bool(inbound.media),
            max_retries=self.settings.max_retries,
            dynamic=dynamic,
        )
        rejected = any(e.name == "input_rejected" for e in result.events)
        if rejected and (current == "help_wait" or safety.asks_for_person(inbound.text or "")):
            state.retries = max(0, state.retries - 1)  # not a wrong answer
            if current == "help_wait":
                turn.replies = safety.waiting(turn)
            else:
                safety.handoff(self, turn, [Ask(current)])
            return
        if turn.away and step.kind != "end":
            if rejected:
                state.retries = max(0, state.retries - 1)  # not their fault: they were away
                result.replies = [Ask(current)]
            result.replies.insert(0, Say(WELCOME_BACK))
        turn.state = result.state
        replies = list(result.replies)
        for event in result.events:
            handler = HANDLERS.get(event.name)
            if handler is not None:
                handler(self, turn, event, replies)
            if turn.erased:
                return
        turn.replies = replies
        if turn.silenced:
            # Answering the erasure question after STOP: confirm, ask nothing more
            # (but the erasure question itself again, if the answer was unclear).
            turn.replies = [
                r
                for r in turn.replies
                if isinstance(r, Say) or (isinstance(r, Ask) and r.step == "erase_confirm")
            ]

    # -- messages Orienta starts (scheduled jobs, and staff replies to come) ------------

    def push(
        self,
        session: Session,
        contact: Contact,
        replies: Sequence[Say | Ask],
        key: str,
        now: datetime,
        state: FlowState | None = None,
        important: bool = False,
        flow: str | None = None,
        answering: HelpEpisode | None = None,
    ) -> int:
        """Queue `replies` to `contact` where Orienta may write to them first
        (bot/outbox/policy.py), or, for staff `answering` a request for help, where the
        person last wrote from; keyed `{key}:{n}`; the conversation moves to `state` if
        given, in `flow` if given (another conversation: a survey, a follow-up
        questionnaire). The number of rows queued (0: no way to reach them)."""
        conversation = find_conversation(session, contact)
        into = find_flow(flow or (conversation.flow if conversation else None))

        def compose(identity: ChannelIdentity) -> list[Outbound]:
            outbounds = self.composer.compose(
                session,
                contact,
                into,
                state,
                list(replies),
                identity.channel,
                identity.address,
                now,
            )
            if state is not None and conversation is not None:
                # Stored after composing: shown slots are remembered.
                save_state(session, conversation, contact, into, state, now)
            return outbounds

        return self.writer.to_person(
            session, contact, key, compose, now, important=important, answering=answering
        )

    def state_of(self, session: Session, contact: Contact) -> FlowState | None:
        conversation = find_conversation(session, contact)
        return load_state(session, conversation, contact)[1]


def _step(state: FlowState) -> str:
    assert state.step is not None
    return state.step
