"""Slots of a service, for staff and the service's partner: new ones — one session, or
the same weekday and time every week for some weeks (admin/recurrence.py) — and closing
one. Times are written in local time (ORIENTA_TIMEZONE, Africa/Conakry) and stored in UTC.

A closed slot is offered to nobody (bot/booking/places.py); the people already booked
in it keep their place, their reminders and the partner's daily list.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from starlette.responses import Response
from wtforms import DateField, IntegerField, StringField, TimeField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from admin.access import Permission
from admin.catalogue import in_language
from admin.forms import AdminForm
from admin.i18n import gettext_, lazy
from admin.recurrence import MAX_WEEKS, weekly
from admin.routing import PageContext, page
from admin.scope import service_in_reach, slot_in_reach
from bot.storage.models import Slot

DEFAULT_MINUTES = 120
FURTHEST = timedelta(days=2 * 365)
"""How far ahead a first slot may be (a typing slip, 2062 for 2026, is caught)."""
NO_DATE = lazy("Indiquez le jour (AAAA-MM-JJ).")
NO_TIME = lazy("Indiquez l'heure (HH:MM).")


class SlotsForm(AdminForm):
    date = DateField(lazy("Jour (du premier créneau)"), [InputRequired(NO_DATE)])
    time = TimeField(
        lazy("Heure de début (heure locale)"),
        [InputRequired(NO_TIME)],
        format=["%H:%M", "%H:%M:%S"],
    )
    duration_minutes = IntegerField(
        lazy("Durée en minutes"),
        [Optional(), NumberRange(min=15, max=24 * 60)],
        default=DEFAULT_MINUTES,
    )
    capacity = IntegerField(lazy("Places"), [InputRequired(), NumberRange(min=1, max=10_000)])
    place = StringField(lazy("Lieu, s'il n'est pas celui du service"), [Length(max=160)])
    repeat_weeks = IntegerField(
        lazy("Répéter chaque semaine, même jour, même heure : combien de semaines"),
        [Optional(), NumberRange(min=0, max=MAX_WEEKS)],
    )


@page("/services/{service_id}/slots/new", Permission.MANAGE_SERVICES, methods=("GET", "POST"))
def new_slots(ctx: PageContext) -> Response:
    service = service_in_reach(ctx, Permission.MANAGE_SERVICES)
    form = ctx.form(SlotsForm)
    error = ""
    if not service.active:
        error = gettext_("Ce service est fermé : on ne peut plus lui ajouter de créneaux.")
    elif ctx.form_data is not None and not form.validate():
        error = gettext_("Remplissez les champs marqués.")
    elif ctx.form_data is not None and form.date.data > (ctx.now + FURTHEST).date():
        error = gettext_("Choisissez un jour dans les deux ans qui viennent.")
    elif ctx.form_data is not None:
        tz = ctx.state.settings.tz
        starts = weekly(form.date.data, form.time.data, weeks=form.repeat_weeks.data or 0, tz=tz)
        if starts[0] <= ctx.now:
            error = gettext_(
                "Ce créneau serait dans le passé : choisissez un jour et une heure à venir."
            )
        else:
            existing = set(
                ctx.db_session.scalars(
                    select(Slot.starts_at).where(
                        Slot.service_id == service.id,
                        Slot.starts_at.in_(starts),
                        Slot.closed_at.is_(None),
                    )
                )
            )
            # The same form sent twice (a slow connection): no second copy of a session.
            new = [start for start in starts if start not in existing]
            minutes = form.duration_minutes.data or DEFAULT_MINUTES
            duration = timedelta(minutes=minutes)
            place = " ".join((form.place.data or "").split())
            for start in new:
                ctx.db_session.add(
                    Slot(
                        service_id=service.id,
                        starts_at=start,
                        ends_at=start + duration,
                        place=place,
                        capacity=form.capacity.data,
                        booked=0,
                        created_at=ctx.now,
                    )
                )
            ctx.db_session.flush()
            if new:
                ctx.audit(
                    "slot.create",
                    target_type="service",
                    target=str(service.id),
                    after={
                        "count": len(new),
                        "first": new[0].isoformat(),
                        "last": new[-1].isoformat(),
                        "duration_minutes": minutes,
                        "capacity": form.capacity.data,
                        "place": place,
                    },
                )
            return ctx.redirect(f"/services/{service.id}", notice="slots_created")
    return ctx.render(
        "slots_new.html",
        form=form,
        service=service,
        title=in_language(service.title, "fr").text,
        error=error,
        status=400 if error and ctx.form_data is not None else 200,
    )


@page("/slots/{slot_id}/close", Permission.MANAGE_SERVICES, methods=("POST",))
def close_slot(ctx: PageContext) -> Response:
    slot, service = slot_in_reach(ctx, Permission.MANAGE_SERVICES)
    if slot.closed_at is None:
        slot.closed_at = ctx.now
        ctx.audit(
            "slot.close",
            target_type="slot",
            target=str(slot.id),
            after={
                "service": service.id,
                "starts_at": slot.starts_at.isoformat(),
                "booked": slot.booked,
            },
        )
    return ctx.redirect(f"/services/{service.id}", notice="closed")
