"""Signed-in sessions, held in the database: the browser's cookie carries a random id,
the table keeps its SHA-256 only. A session ends by idleness, by its absolute lifetime,
at sign-out, and for every browser of an account when its password changes or it is
disabled: deleting the rows is what ends them, so a copied cookie stops working at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.storage.models import StaffSession, StaffUser

__all__ = ["COOKIE", "Lifetimes", "end_all", "end_session", "find_session", "start_session"]

COOKIE = "orienta_admin"
_TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most once a minute


@dataclass(frozen=True)
class Lifetimes:
    idle: timedelta = timedelta(hours=2)
    absolute: timedelta = timedelta(hours=12)


def _hash(cookie_value: str) -> str:
    return hashlib.sha256(cookie_value.encode()).hexdigest()


def start_session(session: Session, user: StaffUser, now: datetime) -> str:
    """A new session for `user`; returns the cookie's value (shown nowhere else)."""
    value = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            id=_hash(value),
            user_id=user.id,
            csrf_key=secrets.token_hex(32),
            created_at=now,
            last_seen_at=now,
        )
    )
    return value


def find_session(
    session: Session,
    cookie_value: str | None,
    now: datetime,
    lifetimes: Lifetimes,
    *,
    touch: bool = True,
) -> tuple[StaffSession, StaffUser] | None:
    """The live session of this cookie and its account, or None (expired ones are
    deleted as they are found); `touch=False`: the request does not keep it alive."""
    if not cookie_value or len(cookie_value) > 128:
        return None
    row = session.execute(
        select(StaffSession, StaffUser)
        .join(StaffUser, StaffUser.id == StaffSession.user_id)
        .where(StaffSession.id == _hash(cookie_value))
    ).first()
    if row is None:
        return None
    staff_session, user = row[0], row[1]
    expired = (
        now - staff_session.last_seen_at > lifetimes.idle
        or now - staff_session.created_at > lifetimes.absolute
    )
    if expired or user.disabled_at is not None:
        session.delete(staff_session)
        return None
    if touch and now - staff_session.last_seen_at >= _TOUCH_EVERY:
        staff_session.last_seen_at = now
    return staff_session, user


def end_session(session: Session, cookie_value: str) -> None:
    session.execute(delete(StaffSession).where(StaffSession.id == _hash(cookie_value)))


def end_all(session: Session, user: StaffUser) -> None:
    """Sign `user` out everywhere (password changed, account disabled)."""
    session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
