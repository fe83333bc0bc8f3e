"""Bookings and attendance, for staff and partners (a partner account: its own partner's
bookings only, whatever the query asks): the list, filtered by day, partner and status,
and marking a booking « Présent » or « Absent ».

The list names no one: a booking is its code (the person shows it when they come), its
service, its time and its status. Never a name, never a phone number. A booking of the
simulator's test people is shown to staff, marked « test », and never to a partner.

Marking attendance closes the loop of the follow-up: the day after a slot, the bot asks
the person « Y êtes-vous allé(e) ? » (bot/scheduling/jobs.py, bot/booking/desk.py), only
about a booking still "booked". Once the partner has said, the question is not asked:
the booking's pending scheduled rows (its follow-up, a reminder not yet sent) are
cancelled in the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from starlette.responses import Response
from wtforms import HiddenField, SelectField
from wtforms.validators import DataRequired

from admin.access import Permission
from admin.catalogue import STATUSES, in_language, label
from admin.fields import choices
from admin.forms import AdminForm
from admin.i18n import gettext_, lazy
from admin.routing import PageContext, page
from admin.scope import booking_in_reach, own_partner
from bot.outbox.policy import real_people
from bot.scheduling.due import cancel_jobs
from bot.storage.models import Booking, Contact, Partner, Service, Slot

LIMIT = 200
OUTCOMES = {"attended": lazy("Présent"), "missed": lazy("Absent")}
MARKABLE = frozenset({"booked", "requested", "attended", "missed"})


class AttendanceForm(AdminForm):
    outcome = SelectField(
        choices=choices(lambda: [(k, str(v)) for k, v in OUTCOMES.items()]),
        validators=[DataRequired()],
    )
    # The list's filters, to go back to the same list.
    date = HiddenField()
    partner = HiddenField()
    status = HiddenField()


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def _filters(ctx: PageContext, source: Any) -> dict[str, str]:
    """The filters asked for, kept only when they make sense (a partner account: never
    another partner)."""
    day = _day(str(source.get("date") or ""))
    status = str(source.get("status") or "")
    partner = str(source.get("partner") or "").strip().upper()[:16]
    return {
        "date": day.isoformat() if day else "",
        "partner": partner if own_partner(ctx) is None else "",
        "status": status if status in STATUSES else "",
    }


def _partner_id(ctx: PageContext, asked: str) -> int | None:
    """The partner of the list: the account's own, or the one asked for by code (or id)."""
    only = own_partner(ctx)
    if only is not None or not asked:
        return only
    found = ctx.db_session.scalar(select(Partner.id).where(Partner.code == asked))
    if found is None and asked.isdigit():
        found = ctx.db_session.scalar(select(Partner.id).where(Partner.id == int(asked)))
    return found if found is not None else -1  # a partner that does not exist: nothing


def markable(booking: Booking, slot: Slot | None, now: datetime) -> bool:
    """Attendance can be said once the session has begun (a request: at any time)."""
    return booking.status in MARKABLE and (slot is None or slot.starts_at <= now)


@page("/bookings", Permission.READ_BOOKINGS)
def booking_list(ctx: PageContext) -> Response:
    filters = _filters(ctx, ctx.request.query_params)
    moment = func.coalesce(Slot.starts_at, Booking.created_at)
    query = (
        select(Booking, Service, Partner, Slot, Contact.test)
        .join(Service, Booking.service_id == Service.id)
        .join(Partner, Service.partner_id == Partner.id)
        .join(Contact, Booking.contact_id == Contact.id)
        .outerjoin(Slot, Booking.slot_id == Slot.id)
    )
    if own_partner(ctx) is not None:  # a partner is never shown a test person's booking
        query = query.where(real_people())
    partner_id = _partner_id(ctx, filters["partner"])
    if partner_id is not None:
        query = query.where(Service.partner_id == partner_id)
    if filters["status"]:
        query = query.where(Booking.status == filters["status"])
    day = _day(filters["date"])
    if day is not None:
        start = datetime.combine(day, datetime.min.time(), ctx.state.settings.tz)
        query = query.where(moment >= start, moment < start + timedelta(days=1))
        query = query.order_by(moment, Booking.code)
    else:
        query = query.order_by(moment.desc(), Booking.code)
    rows = ctx.db_session.execute(query.limit(LIMIT + 1)).all()
    partners: list[tuple[str, str]] = []
    if own_partner(ctx) is None:
        partners = [
            (code, name)
            for code, name in ctx.db_session.execute(
                select(Partner.code, Partner.name).order_by(Partner.name)
            )
        ]
    return ctx.render(
        "bookings.html",
        rows=[
            (
                booking,
                in_language(service.title, "fr").text,
                partner,
                slot,
                label(STATUSES, booking.status),
                markable(booking, slot, ctx.now)
                and ctx.may(Permission.MARK_ATTENDANCE, partner=partner.id),
                test,
            )
            for booking, service, partner, slot, test in rows[:LIMIT]
        ],
        more=len(rows) > LIMIT,
        filters=filters,
        partners=partners,
        statuses=[(key, str(text)) for key, text in STATUSES.items()],
        outcomes=[(key, str(text)) for key, text in OUTCOMES.items()],
        today=ctx.now.astimezone(ctx.state.settings.tz).date().isoformat(),
    )


@page("/bookings/{code}/attendance", Permission.MARK_ATTENDANCE, methods=("POST",))
def mark_attendance(ctx: PageContext) -> Response:
    booking, _service = booking_in_reach(ctx, Permission.MARK_ATTENDANCE)
    form = ctx.form(AttendanceForm)
    back = {k: v for k, v in _filters(ctx, ctx.form_data or {}).items() if v}
    slot = ctx.db_session.get(Slot, booking.slot_id) if booking.slot_id else None
    problem = ""
    if not form.validate():
        problem = gettext_("Choisissez « Présent » ou « Absent ».")
    elif booking.status == "cancelled":
        problem = gettext_("Ce rendez-vous a été annulé : il n'y a pas de présence à noter.")
    elif not markable(booking, slot, ctx.now):
        problem = gettext_("Ce rendez-vous n'a pas encore commencé.")
    if problem:
        return ctx.render("error.html", status=400, status_code=400, message=problem)
    outcome = form.outcome.data
    if booking.status != outcome:
        before = booking.status
        booking.status, booking.updated_at = outcome, ctx.now
        # Said by the partner: the bot does not ask the person « did you go? ».
        cancel_jobs(ctx.db_session, booking.id, ctx.now)
        ctx.audit(
            f"booking.{outcome}",
            target_type="booking",
            target=booking.code,
            before={"status": before},
            after={"status": outcome},
        )
    return ctx.redirect("/bookings", notice="attendance_saved", **back)
