"""The booking desk: what the engine does for the booking steps of a conversation.

It proposes services at the end of an orientation (`bot.booking.matching`), builds the options
of the steps whose options come from the database (offers, slots, managing a booking),
and applies the booking events (a service or slot chosen, a booking kept, changed,
cancelled, attended or missed). It writes through bot/booking/places.py,
bot/booking/notices.py and bot/scheduling/due.py in the engine's transaction and
returns the replies; it never talks to a channel.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.booking import notices, offer_lines, offers, places
from bot.booking.matching import match
from bot.booking.texts import (
    ATTENDED,
    BOOKED,
    CANCEL_CONFIRM,
    CANCEL_REQUEST_CONFIRM,
    CANCELLED,
    FOLLOWUP_INTRO,
    GONE,
    KEPT,
    MISSED,
    MOVED,
    NO_SLOT_NOW,
    NONE_YET,
    REQUESTED,
    SHOW,
    SLOT_TAKEN,
    STORY,
    THANKS,
)
from bot.flows.booking import CANCEL_STEP, MANAGE_OPTIONS, OFFER_EXTRAS, SLOT_EXTRAS
from bot.flows.model import Ask, Event, Flow, FlowState, Option, Say, Step
from bot.i18n.translate import Msg
from bot.outbox.writer import OutboxWriter
from bot.scheduling import due as scheduling
from bot.settings import Settings
from bot.storage.models import Booking, Contact, Flag, Service, Slot, Story

# NONE_YET and THANKS: also said by the engine (RDV too early, the end of an orientation).
__all__ = ["NONE_YET", "THANKS", "BookingDesk"]

log = logging.getLogger(__name__)

DETOURS = frozenset({"booking_manage", CANCEL_STEP, "attended"})
"""Steps of RDV and the follow-up: a person at one is not sent back to it afterwards."""


class BookingDesk:
    def __init__(
        self, flow: Flow, settings: Settings, rng: random.Random, writer: OutboxWriter
    ) -> None:
        self.flow = flow
        self.settings = settings
        self.rng = rng
        """Draws booking codes (secrets.SystemRandom in production, seeded in tests)."""
        self.writer = writer

    # -- proposals -----------------------------------------------------------------------

    def propose(
        self, session: Session, contact: Contact, state: FlowState, now: datetime
    ) -> list[Say | Ask]:
        """Up to three services for the person, or a request to staff when nothing fits.
        Sets the state to the offers step (or to the end)."""
        profile = offers.profile_of(state.answers, contact)
        found = match(
            profile,
            offers.load_offers(session, now, profile, self.settings),
            offers.load_stories(session),
        )
        if found.referral_needed:
            self._flag(session, contact, now)
            state.step = "done"
            state.context = {}
            return [Ask("done")]
        state.step = "offers"
        state.context = {
            "offers": [m.service_id for m in found.matches],
            "why": {
                str(m.service_id): offer_lines.why_keys(m.trades, m.needs, m.where, m.region)
                for m in found.matches
            },
        }
        replies: list[Say | Ask] = []
        if found.story is not None:
            story = session.get(Story, found.story.story_id)
            if story is not None:
                lang = contact.language or "fr"
                replies.append(Say(STORY, (("story", offers.localized(story.text, lang)),)))
        replies.append(Ask("offers"))
        return replies

    def _flag(self, session: Session, contact: Contact, now: datetime) -> None:
        """A request for staff to find an offer by hand: one open at a time per person."""
        open_request = select(Flag.id).where(
            Flag.contact_id == contact.id,
            Flag.kind == "referral_request",
            Flag.resolved_at.is_(None),
        )
        if session.scalars(open_request).first() is None:
            session.add(Flag(contact_id=contact.id, kind="referral_request", created_at=now))
            log.info("referral request flagged for staff")

    # -- options of the steps with a source ----------------------------------------------

    def options(
        self,
        session: Session,
        contact: Contact,
        step: Step,
        state: FlowState,
        now: datetime,
        fresh: bool,
    ) -> tuple[Option, ...]:
        """The options of `step` as shown (`fresh`: look up slots now and remember them;
        otherwise the ones the person was shown, in the same order)."""
        lang = contact.language or "fr"
        if step.source == "offers":
            return self._offer_options(session, state, lang)
        if step.source == "slots":
            return self._slot_options(session, contact, state, lang, now, fresh)
        if step.source == "manage":
            booking = self._booking(session, state)
            keys = (
                ["keep", "change", "cancel"] if booking and booking.slot_id else ["keep", "cancel"]
            )
            return tuple(MANAGE_OPTIONS[k] for k in keys)
        return ()

    def _offer_options(self, session: Session, state: FlowState, lang: str) -> tuple[Option, ...]:
        ids = [int(i) for i in state.context.get("offers", [])]
        services = offers.services_by_id(session, ids)
        why = state.context.get("why", {})
        options = []
        for service_id in ids:
            service = services.get(service_id)
            label = offer_lines.offer_label(self.flow, service, why.get(str(service_id), {}), lang)
            options.append(Option(str(service_id), label, event="service_chosen", goto="slot"))
        return (*options, *OFFER_EXTRAS)

    def _slot_options(
        self,
        session: Session,
        contact: Contact,
        state: FlowState,
        lang: str,
        now: datetime,
        fresh: bool,
    ) -> tuple[Option, ...]:
        service = session.get(Service, int(state.context.get("service", 0)))
        if service is None:
            return SLOT_EXTRAS
        if fresh:
            booking = self._booking(session, state)
            exclude = booking.slot_id if booking is not None else None
            notice = self._notice(session, contact, state, service.id)
            slots = places.free_slots(session, service.id, now, exclude=exclude, notice=notice)
            state.context["slots"] = [s.id for s in slots]
        else:
            ids = [int(i) for i in state.context.get("slots", [])]
            found = {s.id: s for s in (session.get(Slot, i) for i in ids) if s is not None}
            slots = [found[i] for i in ids if i in found]
        options = tuple(
            Option(
                str(s.id), offers.slot_text(s, service, lang, self.settings), event="slot_chosen"
            )
            for s in slots
        )
        if "booking" in state.context:  # changing a booking: or keeping it as it is
            return (*options, MANAGE_OPTIONS["keep"])
        if not state.context.get("offers"):  # (after a missed appointment) no list to go back to
            return options
        return (*options, *SLOT_EXTRAS)

    # -- events --------------------------------------------------------------------------

    def apply(
        self,
        session: Session,
        contact: Contact,
        state: FlowState,
        event: Event,
        replies: list[Say | Ask],
        now: datetime,
    ) -> list[Say | Ask]:
        """Apply one booking event; the replies that follow it."""
        name = event.name
        value = str(event.value or "")
        if name == "service_chosen":
            return self._service_chosen(session, contact, state, int(value or 0), now)
        if name == "slot_chosen":
            return self._slot_chosen(session, contact, state, int(value or 0), now)
        if name == "referral_requested":
            self._flag(session, contact, now)
            state.context = {}
            return replies
        booking = self._booking(session, state)
        if booking is None:
            state.step, state.queue = "booking_end", []
            return [Say(NONE_YET)]
        if name == "booking_kept":
            self._resume(state)
            return [Say(KEPT), *[r for r in replies if not self._closing(r)]]
        if name == "booking_change":
            notice = self._notice(session, contact, state, booking.service_id)
            if not places.free_slots(
                session, booking.service_id, now, limit=1, exclude=booking.slot_id, notice=notice
            ):
                self._resume(state)  # nothing else to offer: as they were
                return [Say(NO_SLOT_NOW), *[r for r in replies if not self._closing(r)]]
            state.step, state.queue = "slot", []
            state.context["service"] = booking.service_id
            return [Ask("slot")]
        if name == "booking_cancel" and value != "yes":
            return self._confirm_cancel(session, contact, booking, state)
        if name == "booking_cancel":  # confirmed
            info = offers.taken(session, booking, contact.language or "fr", self.settings)
            places.cancel_booking(session, booking, now)
            scheduling.cancel_jobs(session, booking.id, now)
            notices.notify_partner(session, booking, "cancelled", self.settings, self.writer, now)
            state.step, state.queue, state.context = "booking_end", [], {}
            return [Say(CANCELLED, info.params())]
        if name == "booking_attended":
            booking.status, booking.updated_at = "attended", now
            self._resume(state)
            # Back to where they were; a closing step needs no repeating.
            return [Say(ATTENDED), *[r for r in replies if not self._closing(r)]]
        if name == "booking_missed":
            booking.status, booking.updated_at = "missed", now
            state.context = {"service": booking.service_id}
            return self._ask_slot(session, contact, state, now, intro=MISSED)
        return replies

    def _service_chosen(
        self, session: Session, contact: Contact, state: FlowState, service_id: int, now: datetime
    ) -> list[Say | Ask]:
        service = session.get(Service, service_id)
        if service is None or not service.active:
            return [Say(GONE), *self.propose(session, contact, state, now)]
        if service.on_request:
            booking = places.request_service(session, contact, service, now, self.rng)
            notices.notify_partner(session, booking, "requested", self.settings, self.writer, now)
            state.step, state.queue, state.context = "booking_end", [], {}
            info = offers.taken(session, booking, contact.language or "fr", self.settings)
            return [Say(REQUESTED, info.params())]
        state.context["service"] = service.id
        notice = self._notice(session, contact, state, service.id)
        if not places.free_slots(session, service.id, now, limit=1, notice=notice):
            return [Say(GONE), *self.propose(session, contact, state, now)]
        state.step = "slot"
        return [Ask("slot")]

    def _slot_chosen(
        self, session: Session, contact: Contact, state: FlowState, slot_id: int, now: datetime
    ) -> list[Say | Ask]:
        lang = contact.language or "fr"
        changing = self._booking(session, state)
        if changing is not None:
            if places.move_booking(session, changing, slot_id, now):
                scheduling.cancel_jobs(session, changing.id, now)
                scheduling.schedule_booking(session, changing, self.settings, now)
                notices.notify_partner(
                    session, changing, "changed", self.settings, self.writer, now
                )
                return self._done(session, changing, state, MOVED, lang)
        else:
            booking = places.book_slot(session, contact, slot_id, now, self.rng)
            if booking is not None:
                scheduling.schedule_booking(session, booking, self.settings, now)
                notices.notify_partner(session, booking, "booked", self.settings, self.writer, now)
                return self._done(session, booking, state, BOOKED, lang)
        return self._ask_slot(session, contact, state, now, intro=SLOT_TAKEN)

    def _ask_slot(
        self, session: Session, contact: Contact, state: FlowState, now: datetime, intro: Msg
    ) -> list[Say | Ask]:
        service_id = int(state.context.get("service", 0))
        notice = self._notice(session, contact, state, service_id)
        if not places.free_slots(session, service_id, now, limit=1, notice=notice):
            state.step, state.queue = "booking_end", []
            return [Say(NO_SLOT_NOW)]
        state.step = "slot"
        return [Say(intro), Ask("slot")]

    def _done(
        self, session: Session, booking: Booking, state: FlowState, msg: Msg, lang: str
    ) -> list[Say | Ask]:
        info = offers.taken(session, booking, lang, self.settings)
        state.step, state.queue, state.context = "booking_end", [], {}
        return [Say(msg, info.params())]

    def _notice(
        self, session: Session, contact: Contact, state: FlowState, service_id: int
    ) -> timedelta:
        """How soon a slot of the service may start, for this person (time to travel)."""
        service = session.get(Service, service_id)
        if service is None:
            return places.MIN_NOTICE
        return offers.notice_for(offers.profile_of(state.answers, contact), service, self.settings)

    def _confirm_cancel(
        self, session: Session, contact: Contact, booking: Booking, state: FlowState
    ) -> list[Say | Ask]:
        """ "L'annuler" asks first: "Annuler votre rendez-vous du … ?". Only yes cancels
        (the event again, with the value "yes"); no keeps it (booking_kept)."""
        info = offers.taken(session, booking, contact.language or "fr", self.settings)
        # The runner already moved on to where the person was: that is where they go
        # back to after answering.
        state.queue = [state.step or "booking_end", *state.queue]
        state.step = CANCEL_STEP
        question = CANCEL_CONFIRM if info.has_slot else CANCEL_REQUEST_CONFIRM
        return [Say(question, info.params()), Ask(CANCEL_STEP)]

    # -- RDV -----------------------------------------------------------------------------

    def manage(
        self, session: Session, contact: Contact, state: FlowState, completed: bool, now: datetime
    ) -> list[Say | Ask] | None:
        """RDV: the person's booking with what they can do, or the offers again; None
        when they have neither booked nor finished their orientation."""
        booking = next(iter(places.open_bookings(session, contact.id, now)), None)
        lang = contact.language or "fr"
        if booking is not None:
            info = offers.taken(session, booking, lang, self.settings)
            if state.step not in DETOURS:
                state.queue = [state.step, *state.queue] if state.step else ["booking_end"]
            state.step = "booking_manage"
            state.retries = 0
            state.context = _detour_context(state, booking.id)
            return [Say(SHOW, info.params()), Ask("booking_manage")]
        if not completed:
            return None
        state.queue = []
        return self.propose(session, contact, state, now)

    def followup(
        self, session: Session, booking: Booking, state: FlowState, lang: str
    ) -> list[Say | Ask]:
        """The day after: did they go? (a detour: they come back to where they were)."""
        info = offers.taken(session, booking, lang, self.settings)
        if state.step not in DETOURS:
            state.queue = [state.step or "booking_end", *state.queue]
        state.step = "attended"
        state.retries = 0
        state.context = _detour_context(state, booking.id)
        return [
            Say(FOLLOWUP_INTRO, info.params()),
            Ask("attended"),
        ]

    @staticmethod
    def _resume(state: FlowState) -> None:
        """Back from RDV or the follow-up: what the person was doing, as it was. (A
        choice that ends its step with no next step lands on the booking's end.)"""
        state.context = dict(state.context.get("resume") or {})
        if state.step is None:
            state.step = "booking_end"

    def _closing(self, reply: Say | Ask) -> bool:
        return isinstance(reply, Ask) and self.flow.step(reply.step).kind == "end"

    @staticmethod
    def _booking(session: Session, state: FlowState) -> Booking | None:
        booking_id = state.context.get("booking")
        return session.get(Booking, int(booking_id)) if booking_id else None


def _detour_context(state: FlowState, booking_id: int) -> dict[str, object]:
    previous = state.context.get("resume") if "booking" in state.context else state.context
    return {"booking": booking_id, "resume": dict(previous or {})}
