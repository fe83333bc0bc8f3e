"""The inbox, for staff: one queue of everything that needs a person of the team (admin/
queue.py says what), urgent first and then oldest first, and an episode's page with
what was said since it opened (bot/engine/kept.py, unsealed for the page only) and the
actions of bot/engine/help.py, which admin/pages/inbox_actions.py runs.

Each entry says the person's language, the channel they last wrote from, their region
(their answers), whether and when their number is safe to use (as they said), who has
it and since when, and how long it has waited. Test people (the simulator's) are listed
marked « test », never counted. Nothing here shows a number or a name.

    GET /inbox                 the queue (READ_INBOX)
    GET /inbox/counts          {"urgent": n, "other": n}, for admin/static/inbox.js
    GET /inbox/{episode_id}    one help episode, its conversation and its actions
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from babel import Locale
from babel.dates import format_timedelta
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, Response

from admin.access import Permission
from admin.i18n import CLDR, current_language, gettext_, lazy
from admin.pages.people import (
    CHANNELS,
    HELP_CATEGORY,
    HELP_KIND,
    HELP_STATE,
    OUTCOME,
    SAFE_CONTACT,
    _label,
    _region,
)
from admin.queue import INBOX_FLAGS, OPEN, counts
from admin.routing import NotFound, PageContext, page
from bot.engine import kept
from bot.i18n.languages import language_name
from bot.outbox.policy import answering_identity, may_answer_request
from bot.storage.models import (
    Answer,
    Booking,
    ChannelIdentity,
    Contact,
    Flag,
    HelpEpisode,
    Partner,
    Service,
    StaffUser,
)

__all__ = [
    "LIMIT",
    "Entry",
    "Person",
    "episode_of",
    "person_of",
    "render_episode",
    "waited",
    "where_replies_go",
]

LIMIT = 200
"""Entries of each kind listed at most (the oldest)."""
FLAG_WHAT = {"stuck": lazy("bloquée : la même question, trois fois sans réponse comprise")}


@dataclass(frozen=True)
class Person:
    public_id: str
    test: bool
    language: str
    channel: str
    region: str


@dataclass(frozen=True)
class Entry:
    kind: str
    """urgent | handoff | stuck | booking"""
    what: str
    since: datetime
    person: Person
    href: str
    """Where the entry is handled."""
    episode: HelpEpisode | None = None
    flag_id: int | None = None
    booking: Booking | None = None
    taken_by: str = ""
    """The e-mail of the staff member who has it."""
    extra: dict[str, Any] = field(default_factory=dict)


def waited(delta: timedelta) -> str:
    """« 3 minutes », « 2 heures », « 4 jours », in the admin's language."""
    locale = Locale.parse(CLDR[current_language()])
    return format_timedelta(
        max(delta, timedelta(minutes=1)), granularity="minute", threshold=1.5, locale=locale
    )


def _people(session: Session, contacts: dict[int, Contact]) -> dict[int, Person]:
    """Language, last channel and region of each contact, in two queries."""
    ids = list(contacts)
    channels: dict[int, str] = {}
    for contact_id, channel in session.execute(
        select(ChannelIdentity.contact_id, ChannelIdentity.channel)
        .where(ChannelIdentity.contact_id.in_(ids))
        .order_by(
            ChannelIdentity.contact_id,
            ChannelIdentity.last_inbound_at.desc().nulls_last(),
            ChannelIdentity.id,
        )
    ):
        channels.setdefault(contact_id, CHANNELS.get(channel, channel))
    answers: dict[int, dict[str, Any]] = {contact_id: {} for contact_id in ids}
    for contact_id, name, value in session.execute(
        select(Answer.contact_id, Answer.field, Answer.value).where(
            Answer.contact_id.in_(ids), Answer.field.in_(("region", "prefecture"))
        )
    ):
        answers[contact_id][name] = value
    return {
        contact_id: Person(
            public_id=contact.public_id,
            test=contact.test,
            language=language_name(contact.language) if contact.language else "—",
            channel=channels.get(contact_id, "—"),
            region=_region(answers[contact_id]),
        )
        for contact_id, contact in contacts.items()
    }


def person_of(session: Session, contact: Contact) -> Person:
    return _people(session, {contact.id: contact})[contact.id]


def _emails(session: Session, public_ids: set[str]) -> dict[str, str]:
    if not public_ids:
        return {}
    query = select(StaffUser.public_id, StaffUser.email).where(StaffUser.public_id.in_(public_ids))
    return {public: email for public, email in session.execute(query)}


def episode_what(episode: HelpEpisode) -> str:
    kind = _label(HELP_KIND, episode.kind)
    if episode.category:
        return f"{kind} — {_label(HELP_CATEGORY, episode.category)}"
    return kind


def _queue(ctx: PageContext) -> tuple[list[Entry], bool]:
    """Every entry, urgent first then oldest first; and whether some were left out."""
    session = ctx.db_session
    episodes = session.execute(
        select(HelpEpisode, Contact)
        .join(Contact, Contact.id == HelpEpisode.contact_id)
        .where(HelpEpisode.state.in_(OPEN))
        .order_by((HelpEpisode.kind == "urgent").desc(), HelpEpisode.opened_at, HelpEpisode.id)
        .limit(LIMIT)
    ).all()
    flags = session.execute(
        select(Flag, Contact)
        .join(Contact, Contact.id == Flag.contact_id)
        .where(Flag.kind.in_(INBOX_FLAGS), Flag.resolved_at.is_(None))
        .order_by(Flag.created_at, Flag.id)
        .limit(LIMIT)
    ).all()
    bookings = session.execute(
        select(Booking, Contact, Service, Partner)
        .join(Contact, Contact.id == Booking.contact_id)
        .join(Service, Service.id == Booking.service_id)
        .join(Partner, Partner.id == Service.partner_id)
        .where(Booking.status == "requested")
        .order_by(Booking.created_at, Booking.id)
        .limit(LIMIT)
    ).all()
    contacts = {c.id: c for _, c in episodes} | {c.id: c for _, c in flags}
    contacts |= {c.id: c for _, c, _, _ in bookings}
    people = _people(session, contacts) if contacts else {}
    staff = _emails(session, {e.taken_by for e, _ in episodes if e.taken_by})
    entries = [
        Entry(
            kind="urgent" if e.kind == "urgent" else "handoff",
            what=episode_what(e),
            since=e.opened_at,
            person=people[c.id],
            href=f"/inbox/{e.id}",
            episode=e,
            taken_by=staff.get(e.taken_by or "", e.taken_by or ""),
        )
        for e, c in episodes
    ]
    entries += [
        Entry(
            kind=f.kind,
            what=_label(FLAG_WHAT, f.kind),
            since=f.created_at,
            person=people[c.id],
            href=f"/people/{c.public_id}",
            flag_id=f.id,
        )
        for f, c in flags
    ]
    entries += [
        Entry(
            kind="booking",
            what=gettext_("demande d'un service sur demande"),
            since=b.created_at,
            person=people[c.id],
            href=f"/bookings?status=requested&partner={p.code}",
            booking=b,
            extra={
                "service": s.title.get("fr") or next(iter(s.title.values()), ""),
                "partner": p.name,
            },
        )
        for b, c, s, p in bookings
    ]
    entries.sort(key=lambda entry: (entry.kind != "urgent", entry.since))
    more = any(len(rows) >= LIMIT for rows in (episodes, flags, bookings))
    return entries, more


@page("/inbox", Permission.READ_INBOX)
def inbox(ctx: PageContext) -> Response:
    entries, more = _queue(ctx)
    return ctx.render(
        "inbox.html",
        entries=entries,
        more=more,
        waited=lambda since: waited(ctx.now - since),
        safe=_safe,
        state=lambda e: _label(HELP_STATE, e.state),
    )


@page("/inbox/counts", Permission.READ_INBOX, polled=True)
def inbox_counts(ctx: PageContext) -> Response:
    found = counts(ctx.db_session)
    return JSONResponse({"urgent": found.urgent, "other": found.other})


def _safe(episode: HelpEpisode) -> str:
    """Whether and when the person's number is safe to use, as they said."""
    if episode.safe_contact is None:
        return gettext_("pas encore dit")
    return _label(SAFE_CONTACT, episode.safe_contact)


# -- one episode -------------------------------------------------------------------------


def where_replies_go(session: Session, contact: Contact, episode: HelpEpisode) -> tuple[str, str]:
    """The channel a reply would go on (bot/outbox/policy.py), or why none may go."""
    identity = answering_identity(session, contact, episode)
    if identity is not None:
        return CHANNELS.get(identity.channel, identity.channel), ""
    if episode.state == "closed":
        return "", gettext_("Cette demande est close.")
    if contact.opted_out_at is not None:
        return "", gettext_("Cette personne a écrit STOP : Orienta ne lui écrit plus.")
    if not may_answer_request(contact, episode):
        return "", gettext_(
            "La personne a dit que ce numéro n'est pas sûr : aucune réponse ne part avant "
            "qu'elle écrive de nouveau."
        )
    return "", gettext_("Aucun numéro joignable : la personne ne peut pas recevoir de réponse.")


def episode_of(ctx: PageContext) -> tuple[HelpEpisode, Contact]:
    """The episode the path names, and its person; 404 when there is none."""
    raw = str(ctx.request.path_params.get("episode_id", ""))
    if not raw.isdigit() or len(raw) > 12:
        raise NotFound
    episode = ctx.db_session.get(HelpEpisode, int(raw))
    contact = ctx.db_session.get(Contact, episode.contact_id) if episode is not None else None
    if episode is None or contact is None:
        raise NotFound
    return episode, contact


def render_episode(
    ctx: PageContext,
    episode: HelpEpisode,
    contact: Contact,
    *,
    error: str = "",
    text: str = "",
    status: int = 200,
) -> Response:
    """The episode's page, with `error` above its actions (a refused take, an empty
    reply) and the reply's `text` kept in its box."""
    session = ctx.db_session
    mine = episode.state == "taken" and episode.taken_by == ctx.actor
    messages = kept.conversation(session, ctx.state.settings, episode.id)
    writers = {m.staff_id for m in messages if m.staff_id}
    staff = _emails(session, writers | ({episode.taken_by} if episode.taken_by else set()))
    channel, why_not = where_replies_go(session, contact, episode)
    return ctx.render(
        "inbox_episode.html",
        status=status,
        episode=episode,
        what=episode_what(episode),
        person=person_of(session, contact),
        state=_label(HELP_STATE, episode.state),
        outcome=_label(OUTCOME, episode.outcome),
        outcomes=[(key, str(label)) for key, label in OUTCOME.items()],
        safe=_safe(episode),
        taken_by=staff.get(episode.taken_by or "", episode.taken_by or ""),
        mine=mine,
        waited=waited(ctx.now - episode.opened_at),
        channel=channel,
        why_not=why_not,
        messages=[
            {
                "at": m.at,
                "author": m.author,
                "who": _author(m, staff),
                "text": m.text,
            }
            for m in messages
        ],
        error=error,
        text=text,
    )


def _author(message: kept.KeptMessage, staff: dict[str, str]) -> str:
    if message.author == "person":
        return gettext_("La personne")
    if message.author == "staff":
        return staff.get(message.staff_id or "", "") or gettext_("L'équipe")
    return gettext_("Orienta (le bot)")


@page("/inbox/{episode_id}", Permission.READ_INBOX)
def inbox_episode(ctx: PageContext) -> Response:
    episode, contact = episode_of(ctx)
    return render_episode(ctx, episode, contact)
