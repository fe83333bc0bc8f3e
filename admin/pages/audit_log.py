"""The audit log, for admins: newest first, a hundred rows a page, filtered by account
or by kind of action. Read-only: there is no route that changes it."""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import Response

from admin import audit
from admin.access import Permission
from admin.routing import PageContext, page
from bot.storage.models import StaffUser

PER_PAGE = 100


@page("/audit", Permission.READ_AUDIT)
def audit_list(ctx: PageContext) -> Response:
    query = ctx.request.query_params
    actor = query.get("actor", "").strip()[:64]
    action = query.get("action", "").strip()[:48]
    try:
        page_number = max(1, int(query.get("page", "1")))
    except ValueError:
        page_number = 1
    actor_id = actor
    if "@" in actor:  # staff know each other by e-mail, the log by public id
        actor_id = (
            ctx.db_session.scalar(
                select(StaffUser.public_id).where(StaffUser.email == actor.lower())
            )
            or actor
        )
    rows = ctx.db_session.scalars(
        audit.entries(actor=actor_id or None, action=action or None)
        .limit(PER_PAGE + 1)
        .offset((page_number - 1) * PER_PAGE)
    ).all()
    emails = {
        public_id: email
        for public_id, email in ctx.db_session.execute(select(StaffUser.public_id, StaffUser.email))
    }
    return ctx.render(
        "audit.html",
        rows=rows[:PER_PAGE],
        more=len(rows) > PER_PAGE,
        page_number=page_number,
        actor=actor,
        action=action,
        emails=emails,
    )
