"""Urgent help: a person says they are in danger (URGENCE, the "aide urgente" option,
or words of danger in a message that answers nothing). They get the hotlines at once,
in a message of its own, and staff get a flag: only that help was asked, never why.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from bot.engine.messages import URGENT
from bot.engine.turn import Turn
from bot.flows.model import Say
from bot.storage.models import Flag

__all__ = ["URGENT_REPLY", "flag_urgent_help"]

log = logging.getLogger(__name__)

URGENT_REPLY = Say(URGENT, alone=True)
"""The answer to a call for help: the hotlines, before anything else."""


def flag_urgent_help(turn: Turn) -> None:
    """Flag the person for staff, once while a flag is open."""
    open_flag = turn.session.scalars(
        select(Flag).where(
            Flag.contact_id == turn.contact.id,
            Flag.kind == "urgent_help",
            Flag.resolved_at.is_(None),
        )
    ).first()
    if open_flag is None:
        turn.session.add(Flag(contact_id=turn.contact.id, kind="urgent_help", created_at=turn.now))
    log.warning("urgent help requested: a flag awaits staff")
