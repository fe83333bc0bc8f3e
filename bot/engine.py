"""The conversation engine: one inbound message in, replies out, all in one transaction.

For each message: drop a redelivery (same provider id: answer as the first time), find or
create the contact, apply global keywords, advance the flow, and write state, answers,
the inbound log and the replies (outbox rows) together. The engine knows no provider.
"""

from __future__ import annotations

import logging
import random
import re
import secrets
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import booking as bk
from bot.desk import NONE_YET, THANKS, BookingDesk
from bot.flows import ORIENTATION
from bot.flows.model import BOOKING_EVENTS, Ask, Event, Flow, FlowState, Say, Turn
from bot.flows.orientation import CONSENT_VERSION
from bot.flows.runner import advance, label_text, options_for, restart, start
from bot.i18n import LANGUAGES, M, has_catalog, translate
from bot.keywords import Keyword, match_keyword, mentions_danger
from bot.messaging import Choice, Inbound, Outbound
from bot.settings import Settings
from bot.storage.identities import PHONE_CHANNELS, address_hash, create_identity, find_identity
from bot.storage.models import (
    Answer,
    ChannelIdentity,
    ConsentRefusal,
    Contact,
    Conversation,
    Flag,
    InboundMessage,
    OutboxMessage,
    Partner,
    ReferralArrival,
)
from bot.types import Answers, Channel, Clock
from bot.voice import find_recordings

__all__ = ["Engine", "utcnow"]

log = logging.getLogger(__name__)

HOTLINES = M("hotlines.list", "En cas d'urgence, appelez : {numbers}.")
NO_HOTLINES = M(
    "hotlines.none",
    "En cas d'urgence, allez au poste de la Croix-Rouge ou au centre de santé le plus proche.",
)
STOPPED = M(
    "stop.confirmed",
    "C'est noté : vous ne recevrez plus de messages d'Orienta. Écrivez REPRENDRE (ou START) "
    "pour reprendre. Vos réponses sont gardées ; écrivez EFFACER pour les supprimer.",
)
RESTARTED_AFTER_STOP = M("start.confirmed", "Re-bonjour ! Orienta vous écrit de nouveau.")
HELP = M(
    "help.message",
    "Aide : répondez avec le numéro de votre choix (par exemple 1). Mots utiles, à tout "
    "moment : MENU pour recommencer, LANGUE pour changer de langue, STOP pour ne plus "
    "recevoir de messages, EFFACER pour supprimer vos réponses, URGENCE si vous êtes en "
    "danger.",
)
URGENT = M(
    "urgent.message",
    "Votre sécurité passe avant tout. {hotlines} Votre demande d'aide est enregistrée : "
    "l'équipe d'Orienta la verra.",
)
ERASED = M(
    "erase.done",
    "Toutes vos réponses et vos données ont été effacées. Si vous nous écrivez à nouveau, "
    "nous recommencerons depuis le début.",
)
NOT_ERASED = M("erase.cancelled", "D'accord, rien n'a été effacé.")
WELCOME_BACK = M(
    "resume.message",
    "Re-bonjour ! Nous reprenons là où vous en étiez. Écrivez MENU pour recommencer "
    "depuis le début.",
)
PHONE_LINKED = M(
    "phone.linked",
    "Merci, votre numéro est enregistré : vous pouvez continuer ici, par SMS ou par WhatsApp, "
    "avec les mêmes réponses.",
)
SHARE_PHONE_OFFER = M(
    "phone.offer",
    "Si vous le souhaitez, partagez votre numéro de téléphone avec le bouton ci-dessous : "
    "nos partenaires pourront aussi vous écrire par SMS. Ce n'est pas obligatoire.",
)
VOICE_ON = M(
    "voice.on",
    "D'accord : quand une question est enregistrée, vous recevrez aussi l'audio. Écrivez "
    "TEXTE pour ne plus le recevoir.",
)
VOICE_OFF = M(
    "voice.off",
    "D'accord : vous recevrez seulement le texte. Écrivez ÉCOUTER pour recevoir l'audio.",
)
VOICE_ON_ELSEWHERE = M(  # ÉCOUTER written by SMS, which cannot carry audio
    "voice.on_elsewhere",
    "D'accord : les questions enregistrées vous seront envoyées en audio sur WhatsApp ou "
    "Telegram, pas par SMS. Écrivez TEXTE pour revenir au texte seul.",
)
HELP_VOICE = M(  # after the help, on WhatsApp and Telegram only
    "help.voice",
    "Écrivez ÉCOUTER pour recevoir aussi les questions en audio, TEXTE pour le texte seul.",
)
LANGUAGE_PENDING = M(
    "language.pending",
    "Les messages en {language} sont en préparation. En attendant, nous continuons en "
    "français. Écrivez LANGUE pour changer.",
)


# Where recorded prompts can be sent (SMS cannot carry audio).
VOICE_CHANNELS = frozenset({"whatsapp", "telegram"})

_START_WITH_CODE = re.compile(r"/start[ _]+([A-Za-z0-9-]{2,16})", re.IGNORECASE)
_CODE_WORDS = re.compile(r"[A-Za-z0-9-]{3,16}")

# What a person who wrote STOP can still use: coming back, help, erasure, urgent help.
SPOKEN_WHEN_STOPPED: frozenset[Keyword | None] = frozenset({"start", "help", "erase", "urgent"})


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Turn:
    """What one message does to one contact, before it is written."""

    contact: Contact
    identity: ChannelIdentity
    conversation: Conversation | None
    replies: list[Say | Ask] = field(default_factory=list)
    state: FlowState | None = None
    erased: bool = False
    answer_rows: dict[str, Answer] = field(default_factory=dict)
    """The person's stored answers by field, loaded once with the state."""


class Engine:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        clock: Clock = utcnow,
        flow: Flow = ORIENTATION,
        rng: random.Random | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.clock = clock
        self.flow = flow
        self.desk = BookingDesk(flow, settings, rng or secrets.SystemRandom())

    def handle(self, inbound: Inbound, *, send_now: bool = False) -> list[Outbound]:
        """The replies to `inbound`, once it and everything it changed are committed.

        With `send_now` (Telegram, whose webhook answer cannot carry replies), the replies'
        rows are stored already claimed for sending, in the same transaction, and each
        fresh reply carries its row's id (`claimed_id`) for the caller to send it at once
        and record the outcome; a crash before that leaves the row to the dispatcher's
        reconciliation. Replies replayed for a message seen before carry none."""
        # A message seen before (a provider's retry) is rare: rather than looking for it
        # first on every message, its row's unique key refuses it, and the second
        # attempt looks for it and answers what was answered then.
        seen_before = False
        for attempt in range(3):
            try:
                with self.sessions.begin() as session:
                    replies = self._handle(session, inbound, seen_before, send_now)
                # Ids exist once the rows are flushed (at commit).
                return [
                    replace(outbound, claimed_id=row.id) if row is not None else outbound
                    for outbound, row in replies
                ]
            except IntegrityError:
                # The same message again, or the same new person stored concurrently:
                # run again, and find what the other transaction committed.
                if attempt == 2:
                    raise
                seen_before = True
                log.info("retrying inbound after a unique-key conflict", extra={"attempt": attempt})
        raise AssertionError("unreachable")

    # -- one transaction ---------------------------------------------------------------

    def _handle(
        self, session: Session, inbound: Inbound, seen_before: bool, send_now: bool
    ) -> list[tuple[Outbound, OutboxMessage | None]]:
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
        identity = find_identity(session, key, inbound.channel, inbound.address, lock=True)
        if identity is None:
            identity = create_identity(session, key, inbound.channel, inbound.address, now)
        contact = identity.contact
        text = inbound.text or ""
        start_code = _START_WITH_CODE.fullmatch(text.strip())
        if start_code:  # a Telegram deep link: /start <referral code>
            inbound = replace(inbound, text="/start")
        if inbound.shared_phone:
            contact = self._link_phone(session, identity, inbound.shared_phone, now)
        conversation = session.scalars(
            select(Conversation).where(Conversation.contact_id == contact.id)
        ).one_or_none()
        if conversation is None and contact.referred_by_partner_id is None:
            self._attribute(session, contact, inbound.channel, text, now)
        # Away: silent for hours, and not answering something Orienta sent meanwhile (a
        # reminder, a follow-up question: those move the conversation on).
        seen = [contact.last_inbound_at, conversation.updated_at if conversation else None]
        last_seen = max((t for t in seen if t is not None), default=None)
        away = last_seen is not None and now - last_seen > timedelta(
            hours=self.settings.resume_after_hours
        )
        turn = _Turn(contact, identity, conversation)
        self._respond(session, turn, inbound, away)
        # Rendered before the state is saved: showing slots remembers which were shown.
        rendered = self._render(
            session,
            turn.contact,
            turn.state,
            turn.replies,
            inbound.channel,
            inbound.address,
            erased=turn.erased,
        )
        if not turn.erased:
            # Written last, with the state: one flush at commit rather than one more
            # before the first query that follows.
            contact.last_inbound_at = now
            identity.last_inbound_at = now
            identity.unreachable_at = None  # they just wrote from it: reachable again
            self._save_state(session, turn, now)
        # The message is written with everything else, in one flush at commit (a second
        # delivery of it is refused there by its unique key: see `handle`).
        row = InboundMessage(
            channel=inbound.channel,
            provider_id=provider_id,
            contact_id=None if turn.erased else contact.id,
            kind="media" if inbound.media else ("text" if text.strip() else "empty"),
            received_at=now,
        )
        session.add(row)
        outbounds = self._log_replies(session, turn, row, rendered, now, send_now)
        log.info(
            "inbound handled",
            extra={
                "contact": None if turn.erased else contact.public_id,
                "channel": inbound.channel,
                "step": turn.state.step if turn.state else None,
                "replies": len(outbounds),
            },
        )
        return outbounds

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

    @staticmethod
    def _load_state(
        session: Session, conversation: Conversation | None, rows: dict[str, Answer] | None = None
    ) -> FlowState | None:
        """The conversation's state; `rows` receives the answer rows by field."""
        if conversation is None:
            return None
        found = session.scalars(select(Answer).where(Answer.contact_id == conversation.contact_id))
        answers: Answers = {}
        for answer in found:
            answers[answer.field] = answer.value
            if rows is not None:
                rows[answer.field] = answer
        return FlowState(
            step=conversation.step,
            answers=answers,
            retries=conversation.retries,
            queue=list(conversation.queue or []),
            context=dict(conversation.context or {}),
        )

    def _respond(self, session: Session, turn: _Turn, inbound: Inbound, away: bool) -> None:
        contact = turn.contact
        keyword = match_keyword(inbound.text or "")
        state = self._load_state(session, turn.conversation, turn.answer_rows)

        silenced = contact.opted_out_at is not None
        confirming_erasure = state is not None and state.step == "erase_confirm"
        if silenced and not confirming_erasure and keyword not in SPOKEN_WHEN_STOPPED:
            turn.state = state
            return  # they asked for silence: the message is logged, nothing is sent

        if state is None or state.step is None:
            first = None
            if inbound.language in LANGUAGES and contact.language is None:
                contact.language = inbound.language
                first = self.flow.following("language")[0].id
            fresh = start(self.flow, at=first)
            state, turn.replies = fresh.state, fresh.replies
            if keyword is None or keyword in ("start", "menu"):
                turn.state = state
                return
        turn.state = state
        current = state.step
        assert current is not None

        if inbound.shared_phone:
            turn.replies = [Say(PHONE_LINKED), Ask(current)]
        elif keyword == "stop":
            contact.opted_out_at = self.clock()
            turn.replies = [Say(STOPPED)]
        elif keyword == "start":
            if contact.opted_out_at is not None:
                contact.opted_out_at = None
                turn.replies = [Say(RESTARTED_AFTER_STOP), Ask(current)]
            else:
                turn.replies = [Ask(current)]
        elif keyword == "help":
            turn.replies = [Say(HELP)]
            if inbound.channel in VOICE_CHANNELS:
                turn.replies.append(Say(HELP_VOICE))
            if contact.opted_out_at is None:
                turn.replies.append(Ask(current))
        elif keyword == "menu":
            self._clear_answers(session, turn)
            fresh = restart(self.flow, consented=contact.consent == "given")
            turn.state, turn.replies = fresh.state, fresh.replies
            if turn.conversation is not None:
                turn.conversation.completed_at = None
        elif keyword in ("listen", "text"):
            contact.voice = keyword == "listen"
            if not contact.voice:
                turn.replies = [Say(VOICE_OFF)]
            elif inbound.channel in VOICE_CHANNELS:
                turn.replies = [Say(VOICE_ON)]
            else:  # SMS: the preference holds for this person's WhatsApp and Telegram
                turn.replies = [Say(VOICE_ON_ELSEWHERE)]
            if contact.opted_out_at is None:
                turn.replies.append(Ask(current))
        elif keyword == "language":
            self._detour(state, "language")
            turn.replies = [Ask("language")]
        elif keyword == "booking":
            completed = turn.conversation is not None and turn.conversation.completed_at is not None
            replies = self.desk.manage(session, contact, state, completed, self.clock())
            turn.replies = replies if replies is not None else [Say(NONE_YET), Ask(current)]
        elif keyword == "erase":
            self._detour(state, "erase_confirm")
            turn.replies = [Ask("erase_confirm")]
        elif keyword == "urgent":
            self._urgent(session, turn)
            turn.replies = [Say(URGENT, alone=True)]
            if contact.opted_out_at is None:
                turn.replies.append(Ask(current))
        else:
            step = self.flow.step(current)
            dynamic = None
            if step.source is not None:
                dynamic = self.desk.options(session, contact, step, state, self.clock(), False)
            result = advance(
                self.flow,
                state,
                inbound.text or "",
                lang=contact.language or "fr",
                has_media=bool(inbound.media),
                max_retries=self.settings.max_retries,
                dynamic=dynamic,
            )
            rejected = any(e.name == "input_rejected" for e in result.events)
            if rejected and mentions_danger(inbound.text or ""):
                # "je suis en danger" is no menu answer, but it must never go unheard.
                self._urgent(session, turn)
                result.replies.insert(0, Say(URGENT, alone=True))
            if away and step.kind != "end":
                if rejected:
                    state.retries = max(0, state.retries - 1)  # not their fault: they were away
                    urgent = [r for r in result.replies if isinstance(r, Say) and r.msg is URGENT]
                    result.replies = [*urgent, Ask(current)]
                result.replies.insert(0, Say(WELCOME_BACK))
            self._apply(session, turn, result)
            if silenced:
                # Answering the erasure question after STOP: confirm, ask nothing more
                # (but the erasure question itself again, if the answer was unclear).
                turn.replies = [
                    r
                    for r in turn.replies
                    if isinstance(r, Say) or (isinstance(r, Ask) and r.step == "erase_confirm")
                ]

    def _detour(self, state: FlowState, step_id: str) -> None:
        """Go to `step_id` now, then back to where the person was."""
        if state.step != step_id:
            # Keep what was still to come (a correction's follow-ups, another detour).
            state.queue = [state.step, *state.queue] if state.step else list(state.queue)
        state.step = step_id
        state.retries = 0

    def _apply(self, session: Session, turn: _Turn, result: Turn) -> None:
        now = self.clock()
        turn.state = result.state
        replies = list(result.replies)
        for event in result.events:
            self._apply_event(session, turn, event, replies, now)
            if turn.erased:
                return
        turn.replies = replies

    def _apply_event(
        self, session: Session, turn: _Turn, event: Event, replies: list[Say | Ask], now: datetime
    ) -> None:
        contact = turn.contact
        if event.name == "answer_saved" and event.field is not None:
            self._save_answer(session, turn, event.field, event.value, now)
        elif event.name == "answer_cleared" and event.field is not None:
            session.execute(
                delete(Answer).where(Answer.contact_id == contact.id, Answer.field == event.field)
            )
            turn.answer_rows.pop(event.field, None)
        elif event.name == "language_chosen" and isinstance(event.value, str):
            contact.language = event.value
            if not has_catalog(event.value):
                name = LANGUAGES.get(event.value, event.value)
                replies.insert(0, Say(LANGUAGE_PENDING, (("language", name),)))
        elif event.name == "consent_given":
            contact.consent = "given"
            contact.consent_at = now
            contact.consent_version = CONSENT_VERSION
        elif event.name == "consent_refused":
            self._forget_after_refusal(session, turn, now)
            turn.replies = replies  # the kind goodbye, with the help numbers
        elif event.name == "urgent_help_requested":
            self._urgent(session, turn)
            replies.insert(0, Say(URGENT, alone=True))
        elif event.name == "orientation_completed" and turn.conversation is not None:
            turn.conversation.completed_at = now
            assert turn.state is not None
            proposals = self.desk.propose(session, contact, turn.state, now)
            replies[:] = [Say(THANKS), *proposals] if turn.state.step == "offers" else proposals
            if turn.identity.channel == "telegram" and not self._has_phone(session, contact):
                replies.append(Say(SHARE_PHONE_OFFER, alone=True, ask_phone=True))
        elif event.name in BOOKING_EVENTS:
            assert turn.state is not None
            replies[:] = self.desk.apply(session, contact, turn.state, event, replies, now)
        elif event.name == "erase_confirmed":
            self._erase(session, turn)
            turn.replies = [Say(ERASED)]
        elif event.name == "erase_cancelled":
            replies.insert(0, Say(NOT_ERASED))

    # -- writing -------------------------------------------------------------------------

    def _save_answer(
        self, session: Session, turn: _Turn, name: str, value: object, now: datetime
    ) -> None:
        answer = turn.answer_rows.get(name)  # loaded with the state: no query
        if answer is None:
            answer = Answer(contact_id=turn.contact.id, field=name, value=value, updated_at=now)
            session.add(answer)
            turn.answer_rows[name] = answer
        else:
            answer.value = value
            answer.updated_at = now

    def _clear_answers(self, session: Session, turn: _Turn) -> None:
        session.execute(delete(Answer).where(Answer.contact_id == turn.contact.id))
        turn.answer_rows.clear()

    def _link_phone(
        self, session: Session, identity: ChannelIdentity, phone: str, now: datetime
    ) -> Contact:
        """Join this chat to the person known by `phone` on SMS or WhatsApp, or remember
        the phone for this person; the contact that goes on."""
        hashed = address_hash(self.settings.identity_key, phone)
        known = session.scalars(
            select(ChannelIdentity).where(
                ChannelIdentity.address_hash == hashed,
                ChannelIdentity.channel.in_(PHONE_CHANNELS),
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

    @staticmethod
    def _has_phone(session: Session, contact: Contact) -> bool:
        return (
            session.scalars(
                select(ChannelIdentity.id).where(
                    ChannelIdentity.contact_id == contact.id,
                    ChannelIdentity.channel.in_(PHONE_CHANNELS),
                )
            ).first()
            is not None
        )

    def _urgent(self, session: Session, turn: _Turn) -> None:
        """Flag the person for staff: only that help was asked, never why."""
        open_flag = session.scalars(
            select(Flag).where(
                Flag.contact_id == turn.contact.id,
                Flag.kind == "urgent_help",
                Flag.resolved_at.is_(None),
            )
        ).first()
        if open_flag is None:
            session.add(
                Flag(contact_id=turn.contact.id, kind="urgent_help", created_at=self.clock())
            )
        log.warning("urgent help requested: a flag awaits staff")

    def _forget_after_refusal(self, session: Session, turn: _Turn, now: datetime) -> None:
        """Keep only the refusal, anonymous: the person, their number and state go, as
        with EFFACER. If they write again they start afresh and are asked again."""
        session.add(ConsentRefusal(consent_version=CONSENT_VERSION, refused_at=now))
        self._erase(session, turn)

    def _erase(self, session: Session, turn: _Turn) -> None:
        """Remove the person: contact, identities, answers, state, flags, messages,
        bookings (their places freed, their partners told)."""
        contact_id = turn.contact.id
        now = self.clock()
        for booking in bk.open_bookings(session, contact_id, now):
            bk.cancel_booking(session, booking, now)
            bk.notify_partner(session, booking, "cancelled", self.settings, now)
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

    def _save_state(self, session: Session, turn: _Turn, now: datetime) -> None:
        state = turn.state
        if state is None:
            return
        conversation = turn.conversation
        if conversation is None:
            conversation = Conversation(
                contact_id=turn.contact.id, flow=self.flow.id, started_at=now, updated_at=now
            )
            session.add(conversation)
            turn.conversation = conversation
        _store(conversation, state, now)

    def _log_replies(
        self,
        session: Session,
        turn: _Turn,
        inbound: InboundMessage,
        outbounds: list[Outbound],
        now: datetime,
        send_now: bool,
    ) -> list[tuple[Outbound, OutboxMessage | None]]:
        """Write each reply as an outbox row: 'replied', handed back to the channel, which
        answers inline (TwiML); or, with `send_now`, 'sending', claimed by the caller,
        which sends it at once (Telegram) and records the outcome."""
        keyed: list[tuple[Outbound, OutboxMessage | None]] = []
        turn_key = uuid.uuid4().hex  # the inbound row has no id before the flush
        for index, outbound in enumerate(outbounds):
            outbound = replace(outbound, key=f"reply:{turn_key}:{index}")
            row = OutboxMessage(
                idempotency_key=outbound.key,
                # After an erasure (or a refusal, which erases) nothing links back.
                contact_id=None if turn.erased else turn.contact.id,
                identity_id=None if turn.erased else turn.identity.id,
                inbound=inbound,
                channel=outbound.channel,
                payload=outbound.payload(),
                status="sending" if send_now else "replied",
                attempts=1 if send_now else 0,
                due_at=now,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            keyed.append((outbound, row if send_now else None))
        return keyed

    def _attribute(
        self, session: Session, contact: Contact, channel: str, text: str, now: datetime
    ) -> None:
        """A first message carrying a partner's referral code (Telegram deep link,
        WhatsApp click-to-chat text, a code typed in an SMS): the person came through
        that partner."""
        words = {w.upper() for w in _CODE_WORDS.findall(text[:200])}
        if not words:
            return
        partner = session.scalars(
            select(Partner).where(Partner.code.in_(sorted(words)[:20]), Partner.active.is_(True))
        ).first()
        if partner is None:
            return
        contact.referred_by_partner_id = partner.id
        session.add(ReferralArrival(partner_id=partner.id, channel=channel, arrived_at=now))
        log.info("arrival through a referral code", extra={"partner": partner.code})

    # -- messages Orienta starts (scheduled jobs) ----------------------------------------

    def push(
        self,
        session: Session,
        contact: Contact,
        replies: list[Say | Ask],
        key: str,
        now: datetime,
        state: FlowState | None = None,
        important: bool = False,
    ) -> int:
        """Queue `replies` to `contact` on the channel they last wrote from (reachable),
        as outbox rows keyed `{key}:{n}`; the conversation moves to `state` if given.
        The number of rows queued (0: no way to reach them)."""
        identity = session.scalars(
            select(ChannelIdentity)
            .where(
                ChannelIdentity.contact_id == contact.id,
                ChannelIdentity.unreachable_at.is_(None),
            )
            .order_by(ChannelIdentity.last_inbound_at.desc().nulls_last(), ChannelIdentity.id)
        ).first()
        if identity is None or contact.opted_out_at is not None:
            return 0
        channel: Channel = identity.channel  # type: ignore[assignment]
        outbounds = self._render(session, contact, state, replies, channel, identity.address)
        if state is not None:  # stored after rendering: shown slots are remembered
            conversation = session.scalars(
                select(Conversation).where(Conversation.contact_id == contact.id)
            ).one()
            _store(conversation, state, now)
        for index, outbound in enumerate(outbounds):
            outbound = replace(outbound, key=f"{key}:{index}", important=important)
            session.add(
                OutboxMessage(
                    idempotency_key=outbound.key,
                    contact_id=contact.id,
                    identity_id=identity.id,
                    channel=identity.channel,
                    payload=outbound.payload(),
                    status="queued",
                    due_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )
        return len(outbounds)

    def state_of(self, session: Session, contact: Contact) -> FlowState | None:
        conversation = session.scalars(
            select(Conversation).where(Conversation.contact_id == contact.id)
        ).one_or_none()
        if conversation is None:
            return None
        return self._load_state(session, conversation)

    # -- rendering -----------------------------------------------------------------------

    def _hotlines(self, lang: str) -> str:
        if not self.settings.hotlines:
            return translate(NO_HOTLINES, lang)
        numbers = " ; ".join(f"{h.label} {h.number}" for h in self.settings.hotlines)
        return translate(HOTLINES, lang, numbers=numbers)

    def _render(
        self,
        session: Session,
        contact: Contact,
        state: FlowState | None,
        replies: list[Say | Ask],
        channel: Channel,
        address: str,
        erased: bool = False,
    ) -> list[Outbound]:
        lang = contact.language or "fr"  # still known in memory after an erasure
        answers = state.answers if state else {}
        common = {"hotlines": self._hotlines(lang)}
        outbounds: list[Outbound] = []
        texts: list[str] = []
        ids: list[str] = []
        french: dict[str, str] = {}  # message id → French text, to find its recordings

        def flush(
            choices: tuple[Choice, ...] = (), multi: bool = False, ask_phone: bool = False
        ) -> None:
            if texts:
                outbounds.append(
                    Outbound(
                        channel=channel,
                        address=address,
                        text="\n\n".join(texts),
                        choices=choices,
                        multi=multi,
                        message_ids=tuple(ids),
                        language=lang,
                        ask_phone=ask_phone,
                    )
                )
            texts.clear()
            ids.clear()

        for reply in replies:
            if isinstance(reply, Say):
                if reply.alone:
                    flush()
                texts.append(translate(reply.msg, lang, **{**common, **dict(reply.params)}))
                ids.append(reply.msg.id)
                french[reply.msg.id] = reply.msg.text
                if reply.alone:
                    flush(ask_phone=reply.ask_phone)
                continue
            step = self.flow.step(reply.step)
            texts.append(translate(step.prompt, lang, **common))
            ids.append(step.prompt.id)
            french[step.prompt.id] = step.prompt.text
            if step.hint is not None:
                texts.append(translate(step.hint, lang))
                ids.append(step.hint.id)
                french[step.hint.id] = step.hint.text
            dynamic = None
            if step.source is not None and state is not None and not erased:
                dynamic = self.desk.options(session, contact, step, state, self.clock(), True)
            options = options_for(self.flow, step, answers, lang, dynamic)
            choices = tuple(
                Choice(n, o.key, label_text(o, lang)) for n, o in enumerate(options, start=1)
            )
            flush(choices, multi=step.kind == "multi")
        flush()
        if channel in VOICE_CHANNELS and not erased and self._wants_voice(contact):
            return self._with_voice(session, outbounds, lang, french)
        return outbounds

    def _wants_voice(self, contact: Contact) -> bool:
        if contact.voice is not None:
            return contact.voice
        return (contact.language or "fr") in self.settings.oral_first_languages

    def _with_voice(
        self, session: Session, outbounds: list[Outbound], lang: str, french: dict[str, str]
    ) -> list[Outbound]:
        """Each reply preceded by the recordings of its messages, one media-only message
        each (WhatsApp sends no caption with audio); no recording, text only."""
        found = find_recordings(session, lang, french.items())
        if not found:
            return outbounds
        base = self.settings.public_base_url
        result: list[Outbound] = []
        for outbound in outbounds:
            for message_id in outbound.message_ids:
                if message_id in found:
                    result.append(
                        replace(
                            outbound,
                            text="",
                            choices=(),
                            multi=False,
                            message_ids=(message_id,),
                            ask_phone=False,
                            important=False,
                            media=(base + found[message_id].path(),),
                        )
                    )
            result.append(outbound)
        return result


def _store(conversation: Conversation, state: FlowState, now: datetime) -> None:
    conversation.step = state.step
    conversation.retries = state.retries
    conversation.queue = list(state.queue)
    conversation.context = dict(state.context)
    conversation.updated_at = now
