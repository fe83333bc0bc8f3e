"""The inbox's queue: what needs a person of the team, and how many wait.

Four kinds of entry, all of real people or test ones (marked, never counted):

- an urgent help episode not closed (bot/engine/help.py), with its category;
- a handoff request (the person asked to talk to someone), not closed;
- an open "stuck" flag: the person failed the same question three times in a row;
- a booking "requested" of a service on request, not yet marked.

`counts` is what the header of every page shows (admin/routing.py): urgent episodes
nobody has taken, and the rest nobody has taken or handled, of real people only, in one
round trip. The list itself is admin/pages/inbox.py's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from bot.outbox.policy import real_people
from bot.storage.models import Booking, Contact, Flag, HelpEpisode

__all__ = ["INBOX_FLAGS", "OPEN", "WAITING", "Counts", "counts"]

INBOX_FLAGS = ("stuck",)
"""The kinds of flag the inbox lists (bot/engine: three re-asks in a row)."""
OPEN = ("requested", "taken", "handed_back")
"""The states of an episode still in the queue."""
WAITING = ("requested", "handed_back")
"""The states of an episode nobody has: the header counts them."""


@dataclass(frozen=True)
class Counts:
    urgent: int
    """Urgent episodes nobody has taken."""
    other: int
    """Handoff requests nobody has taken, stuck flags and requested bookings not handled."""


def _count(query: Select[int], *where: ColumnElement[bool]) -> Select[int]:
    return query.where(real_people(), *where)


def counts(session: Session) -> Counts:
    """How many entries of real people wait, in one round trip of COUNT queries."""
    episodes = select(func.count(HelpEpisode.id)).join(
        Contact, Contact.id == HelpEpisode.contact_id
    )
    waiting = HelpEpisode.state.in_(WAITING)
    urgent = _count(episodes, waiting, HelpEpisode.kind == "urgent")
    handoffs = _count(episodes, waiting, HelpEpisode.kind != "urgent")
    flags = _count(
        select(func.count(Flag.id)).join(Contact, Contact.id == Flag.contact_id),
        Flag.kind.in_(INBOX_FLAGS),
        Flag.resolved_at.is_(None),
    )
    bookings = _count(
        select(func.count(Booking.id)).join(Contact, Contact.id == Booking.contact_id),
        Booking.status == "requested",
    )
    row = session.execute(
        select(
            urgent.scalar_subquery(),
            handoffs.scalar_subquery(),
            flags.scalar_subquery(),
            bookings.scalar_subquery(),
        )
    ).one()
    return Counts(urgent=int(row[0] or 0), other=int((row[1] or 0) + (row[2] or 0) + (row[3] or 0)))
