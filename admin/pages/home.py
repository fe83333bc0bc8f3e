"""The home page: what this account may do, and for those who read reports, a few
counts (people, bookings by status) that name nobody. The simulator's test people are
counted nowhere (`policy.real_people`)."""

from __future__ import annotations

from sqlalchemy import func, select
from starlette.responses import Response

from admin.access import Permission
from admin.routing import PageContext, page
from bot.outbox.policy import real_people
from bot.storage.models import Booking, Contact, HelpEpisode


@page("/", Permission.SIGNED_IN)
def home(ctx: PageContext) -> Response:
    counts: dict[str, int] = {}
    if ctx.may(Permission.READ_REPORTS):
        session = ctx.db_session
        people = select(func.count()).select_from(Contact).where(real_people())
        counts["people"] = session.scalar(people) or 0
        counts["consented"] = session.scalar(people.where(Contact.consent == "given")) or 0
        counts["open_help"] = (
            session.scalar(
                select(func.count())
                .select_from(HelpEpisode)
                .join(Contact, Contact.id == HelpEpisode.contact_id)
                .where(HelpEpisode.state != "closed", real_people())
            )
            or 0
        )
        for status, n in session.execute(
            select(Booking.status, func.count())
            .join(Contact, Contact.id == Booking.contact_id)
            .where(real_people())
            .group_by(Booking.status)
        ):
            counts[f"bookings_{status}"] = n
    return ctx.render("home.html", counts=counts)
