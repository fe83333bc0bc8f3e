"""People, for staff: finding a person by booking code or phone number, their profile
(what they answered, their bookings, their requests for help: never what they wrote,
which Orienta does not keep), pausing the bot for them (bot/engine/pause.py), and
erasing them with EFFACER's own erasure (bot/engine/erasure.py).

Numbers and chat ids are masked on every page (admin/numbers.py); only an admin may
show them, each time written in the audit log (`person.unmask`: the public id, never
the number). A search by number matches the keyed hash of it and is in the log too
(`person.search`: how many were found), and the number typed is not shown back. The
search form is POSTed so that a number never lands in a URL (access logs, history);
GET ?q= works as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from admin.access import Permission
from admin.i18n import gettext_, lazy
from admin.numbers import address_hashes, shown_address
from admin.routing import NotFound, PageContext, page
from bot.booking.places import ACTIVE
from bot.engine import pause
from bot.engine.erasure import erase_contact
from bot.flows.geo import prefecture_name
from bot.flows.model import Step
from bot.flows.registry import find_flow
from bot.i18n.languages import language_name
from bot.i18n.translate import Msg, translate
from bot.storage.models import (
    Answer,
    Booking,
    ChannelIdentity,
    Contact,
    Conversation,
    Flag,
    HelpEpisode,
    Partner,
    Service,
    Slot,
    StaffUser,
)

CHANNELS = {"sms": "SMS", "whatsapp": "WhatsApp", "telegram": "Telegram"}
CONSENT = {
    "pending": lazy("pas encore donné"),
    "given": lazy("donné"),
    "refused": lazy("refusé"),
}
BOOKING_STATUS = {
    "booked": lazy("réservé"),
    "requested": lazy("demandé"),
    "cancelled": lazy("annulé"),
    "attended": lazy("présent"),
    "missed": lazy("absent"),
}
HELP_KIND = {"urgent": lazy("aide urgente"), "handoff": lazy("parler à une personne")}
HELP_CATEGORY = {
    "self_harm": lazy("se faire du mal"),
    "violence": lazy("violence"),
    "trafficking": lazy("traite ou travail forcé"),
    "other": lazy("autre"),
}
HELP_STATE = {
    "requested": lazy("en attente"),
    "taken": lazy("prise en charge"),
    "handed_back": lazy("rendue au bot"),
    "closed": lazy("close"),
}
SAFE_CONTACT = {
    "any": lazy("oui, à tout moment"),
    "morning": lazy("le matin seulement"),
    "afternoon": lazy("l'après-midi seulement"),
    "evening": lazy("le soir seulement"),
    "no": lazy("non : ne pas écrire sur ce numéro"),
}
OUTCOME = {
    "reached": lazy("personne jointe"),
    "referred": lazy("orientée"),
    "no_answer": lazy("sans réponse"),
    "not_needed": lazy("plus nécessaire"),
}
FLAG_KIND = {"referral_request": lazy("rien ne convient : l'équipe cherche une offre")}
FIELD_LABELS = {
    # Answers the bot reads back on another one's line, or not at all.
    "prefecture": lazy("Préfecture ou commune"),
    "time_since_return": lazy("Depuis quand de retour"),
    "money_control": lazy("Qui décide de l'argent"),
}
_CODE = re.compile(r"[A-Z0-9-]{4,12}")


def _label(table: dict[str, Any], key: str | None) -> str:
    """The French (or English) label of a stored key; the key itself when unknown."""
    found = table.get(key or "")
    return str(found) if found is not None else (key or "")


def _french(label: Msg | str) -> str:
    return translate(label, "fr") if isinstance(label, Msg) else label


# -- finding ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    contact: Contact
    channels: list[str]


def _find(ctx: PageContext, q: str) -> tuple[list[Found], bool]:
    """The people `q` names (a booking code, a number), and whether it was a number."""
    session = ctx.db_session
    ids: set[int] = set()
    code = re.sub(r"\s+", "", q).upper()
    if _CODE.fullmatch(code):
        ids.update(
            session.scalars(select(Booking.contact_id).where(func.upper(Booking.code) == code))
        )
    hashes = address_hashes(ctx.state.settings.identity_key, q)
    if hashes:
        ids.update(
            session.scalars(
                select(ChannelIdentity.contact_id).where(ChannelIdentity.address_hash.in_(hashes))
            )
        )
    if not ids:
        return [], bool(hashes)
    contacts = session.scalars(
        select(Contact).where(Contact.id.in_(ids)).order_by(Contact.created_at.desc())
    ).all()
    channels: dict[int, list[str]] = {}
    for contact_id, channel in session.execute(
        select(ChannelIdentity.contact_id, ChannelIdentity.channel)
        .where(ChannelIdentity.contact_id.in_(ids))
        .order_by(ChannelIdentity.id)
    ):
        channels.setdefault(contact_id, []).append(CHANNELS.get(channel, channel))
    return [Found(c, channels.get(c.id, [])) for c in contacts], bool(hashes)


@page("/people", Permission.READ_PEOPLE, methods=("GET", "POST"))
def people(ctx: PageContext) -> Response:
    source = ctx.form_data if ctx.form_data is not None else ctx.request.query_params
    q = str(source.get("q") or "").strip()[:64]
    found: list[Found] = []
    by_number = False
    if q:
        found, by_number = _find(ctx, q)
        if by_number:
            ctx.audit(
                "person.search",
                target_type="person",
                target=found[0].contact.public_id if len(found) == 1 else None,
                after={"by": "number", "found": len(found)},
            )
    return ctx.render(
        "people.html",
        q="" if by_number else q,  # a number typed is not shown back
        searched=bool(q),
        found=found,
        language_name=language_name,
    )


# -- the profile -----------------------------------------------------------------------


def _contact(ctx: PageContext, *, lock: bool = False) -> Contact:
    query = select(Contact).where(Contact.public_id == ctx.request.path_params["public_id"])
    contact = ctx.db_session.scalar(query.with_for_update() if lock else query)
    if contact is None:
        raise NotFound
    return contact


def _steps(conversation: Conversation | None) -> dict[str, Step]:
    """The steps that store each answer field: the orientation's, and the person's flow's."""
    steps: dict[str, Step] = {}
    for flow in (find_flow(None), find_flow(conversation.flow if conversation else None)):
        for step in (*flow.steps, *flow.detached):
            if step.store is not None:
                steps.setdefault(step.store, step)
    return steps


def _answers(
    session: Session, contact: Contact, conversation: Conversation | None
) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """(label, value) of each answer, in the order the bot asks them, labels in French;
    and the stored values by field."""
    rows = session.scalars(select(Answer).where(Answer.contact_id == contact.id))
    values = {row.field: row.value for row in rows}
    steps = _steps(conversation)
    shown = []
    for field in [*(f for f in steps if f in values), *sorted(set(values) - set(steps))]:
        value, step = values[field], steps.get(field)
        keys = value if isinstance(value, list) else [value]
        if step is None:
            shown.append((field, ", ".join(str(k) for k in keys)))
            continue
        labels = {o.key: _french(o.label) for o in step.options_for(values)}
        label = FIELD_LABELS.get(field) or _french(step.summary or step.prompt)
        shown.append((str(label), ", ".join(labels.get(str(k), str(k)) for k in keys)))
    return shown, values


def _profile(ctx: PageContext, contact: Contact, *, clear: bool = False) -> Response:
    session = ctx.db_session
    conversation = session.scalars(
        select(Conversation).where(Conversation.contact_id == contact.id)
    ).one_or_none()
    identities = session.scalars(
        select(ChannelIdentity)
        .where(ChannelIdentity.contact_id == contact.id)
        .order_by(ChannelIdentity.id)
    ).all()
    numbers = [
        {
            "channel": CHANNELS.get(i.channel, i.channel),
            "address": shown_address(i.channel, i.address, clear=clear),
            "last": i.last_inbound_at,
            "unreachable": i.unreachable_at is not None,
        }
        for i in identities
    ]
    bookings = session.execute(
        select(Booking, Service, Partner, Slot)
        .join(Service, Service.id == Booking.service_id)
        .join(Partner, Partner.id == Service.partner_id)
        .outerjoin(Slot, Slot.id == Booking.slot_id)
        .where(Booking.contact_id == contact.id)
        .order_by(Booking.created_at.desc())
    ).all()
    episodes = session.scalars(
        select(HelpEpisode)
        .where(HelpEpisode.contact_id == contact.id)
        .order_by(HelpEpisode.opened_at.desc())
    ).all()
    takers = {e.taken_by for e in episodes if e.taken_by}
    who = select(StaffUser.public_id, StaffUser.email).where(StaffUser.public_id.in_(takers))
    staff = {public: email for public, email in session.execute(who)}
    flags = session.scalars(
        select(Flag).where(Flag.contact_id == contact.id).order_by(Flag.created_at.desc())
    ).all()
    answers, values = _answers(session, contact, conversation)
    referred = (
        session.get(Partner, contact.referred_by_partner_id)
        if contact.referred_by_partner_id
        else None
    )
    return ctx.render(
        "people_profile.html",
        person=contact,
        language=language_name(contact.language) if contact.language else "—",
        consent=_label(CONSENT, contact.consent),
        region=_region(values),
        referred=referred,
        numbers=numbers,
        clear=clear,
        answers=answers,
        bookings=[
            {
                "code": b.code,
                "service": s.title.get("fr") or next(iter(s.title.values()), ""),
                "partner": p.name,
                "slot": slot.starts_at if slot is not None else None,
                "status": _label(BOOKING_STATUS, b.status),
            }
            for b, s, p, slot in bookings
        ],
        episodes=[
            {
                "kind": _label(HELP_KIND, e.kind),
                "category": _label(HELP_CATEGORY, e.category),
                "state": _label(HELP_STATE, e.state),
                "opened": e.opened_at,
                "safe": _label(SAFE_CONTACT, e.safe_contact),
                "taken_by": staff.get(e.taken_by or "", ""),
                "outcome": _label(OUTCOME, e.outcome),
                "closed": e.closed_at,
            }
            for e in episodes
        ],
        flags=[
            {"kind": _label(FLAG_KIND, f.kind), "at": f.created_at, "resolved": f.resolved_at}
            for f in flags
        ],
    )


def _region(values: dict[str, Any]) -> str:
    region_step = find_flow(None).step("region")
    names = {o.key: _french(o.label) for o in region_step.options_for(values)}
    region = values.get("region")
    parts = [names.get(str(region), str(region))] if region else []
    prefecture = prefecture_name(values.get("prefecture"))
    if prefecture:
        parts.append(prefecture)
    return " — ".join(parts) or "—"


@page("/people/{public_id}", Permission.READ_PEOPLE)
def profile(ctx: PageContext) -> Response:
    return _profile(ctx, _contact(ctx))


@page("/people/{public_id}/unmask", Permission.UNMASK_PHONES, methods=("POST",))
def unmask(ctx: PageContext) -> Response:
    contact = _contact(ctx)
    ctx.audit("person.unmask", target_type="person", target=contact.public_id)
    return _profile(ctx, contact, clear=True)


# -- pausing and erasing ---------------------------------------------------------------


@page("/people/{public_id}/pause", Permission.PAUSE_PEOPLE, methods=("POST",))
def pause_person(ctx: PageContext) -> Response:
    contact = _contact(ctx, lock=True)  # as the engine locks them for each message
    if pause.pause(contact, ctx.now):
        ctx.audit(
            "person.pause",
            target_type="person",
            target=contact.public_id,
            before={"paused": False},
            after={"paused": True},
        )
    return ctx.redirect(f"/people/{contact.public_id}", notice="paused")


@page("/people/{public_id}/resume", Permission.PAUSE_PEOPLE, methods=("POST",))
def resume_person(ctx: PageContext) -> Response:
    contact = _contact(ctx, lock=True)
    if pause.resume(ctx.db_session, contact):
        ctx.audit(
            "person.resume",
            target_type="person",
            target=contact.public_id,
            before={"paused": True},
            after={"paused": False},
        )
    return ctx.redirect(f"/people/{contact.public_id}", notice="resumed")


def _what_goes(ctx: PageContext, contact: Contact) -> dict[str, int]:
    """How many of each thing about the person an erasure deletes."""
    session = ctx.db_session

    def count(model: Any, *where: Any) -> int:
        query = select(func.count()).select_from(model).where(model.contact_id == contact.id)
        return int(session.scalar(query.where(*where)) or 0)

    return {
        "numbers": count(ChannelIdentity),
        "answers": count(Answer),
        "bookings": count(Booking),
        "open_bookings": count(Booking, Booking.status.in_(ACTIVE)),
        "episodes": count(HelpEpisode),
        "flags": count(Flag),
    }


@page("/people/{public_id}/erase", Permission.ERASE_PEOPLE, methods=("GET", "POST"))
def erase_person(ctx: PageContext) -> Response:
    contact = _contact(ctx, lock=ctx.form_data is not None)
    error = ""
    if ctx.form_data is not None:
        if ctx.form_data.get("confirm") == "yes":
            orienta = ctx.state.orienta
            public = contact.public_id
            erase_contact(
                ctx.db_session, contact.id, orienta.settings, orienta.engine.writer, ctx.now
            )
            ctx.audit("person.erase", target_type="person", target=public)
            return ctx.redirect("/people", notice="erased")
        error = gettext_("Cochez la case pour confirmer l'effacement.")
    return ctx.render(
        "people_erase.html",
        person=contact,
        counts=_what_goes(ctx, contact),
        error=error,
        status=400 if error else 200,
    )
