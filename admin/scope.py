"""One partner's things, as the URL names them: a partner, a service, a slot or a booking
found by the id (or code) in the path, then checked against the account with `may` for
its partner. Nothing there: 404. Another partner's, for a partner account: 403, before
anything of it is read into the page.

Listings filter instead, with `own_partner(ctx)`: the one partner whose rows an account
may list, or None for every partner.
"""

from __future__ import annotations

from sqlalchemy import select

from admin.access import Permission, may_see_partner
from admin.routing import NotFound, PageContext
from bot.storage.models import Booking, Partner, Service, Slot

__all__ = [
    "booking_in_reach",
    "own_partner",
    "partner_in_reach",
    "service_in_reach",
    "slot_in_reach",
]


def _path_id(ctx: PageContext, name: str) -> int:
    raw = str(ctx.request.path_params.get(name, ""))
    if not raw.isdigit() or len(raw) > 12:
        raise NotFound
    return int(raw)


def own_partner(ctx: PageContext) -> int | None:
    assert ctx.user is not None
    return may_see_partner(ctx.user.role, ctx.user.partner_id)


def partner_in_reach(ctx: PageContext, permission: Permission) -> Partner:
    partner_id = _path_id(ctx, "partner_id")
    ctx.require(permission, partner=partner_id)
    partner = ctx.db_session.get(Partner, partner_id)
    if partner is None:
        raise NotFound
    return partner


def service_in_reach(ctx: PageContext, permission: Permission) -> Service:
    service = ctx.db_session.get(Service, _path_id(ctx, "service_id"))
    if service is None:
        raise NotFound
    ctx.require(permission, partner=service.partner_id)
    return service


def slot_in_reach(ctx: PageContext, permission: Permission) -> tuple[Slot, Service]:
    slot = ctx.db_session.get(Slot, _path_id(ctx, "slot_id"))
    service = ctx.db_session.get(Service, slot.service_id) if slot is not None else None
    if slot is None or service is None:
        raise NotFound
    ctx.require(permission, partner=service.partner_id)
    return slot, service


def booking_in_reach(ctx: PageContext, permission: Permission) -> tuple[Booking, Service]:
    code = str(ctx.request.path_params.get("code", "")).strip().upper()[:12]
    booking = ctx.db_session.scalar(select(Booking).where(Booking.code == code))
    service = ctx.db_session.get(Service, booking.service_id) if booking is not None else None
    if booking is None or service is None:
        raise NotFound
    ctx.require(permission, partner=service.partner_id)
    return booking, service
