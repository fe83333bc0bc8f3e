"""Staff accounts: creating one (from the set-up link, `orienta create-user` or the users
page), and the one-time set-up link that exists only while no account does.

There is no default account. While none exists, `orienta serve` asks for a set-up link
(`setup_link`): a random token, stored hashed, that works once and for an hour, where the
first admin chooses their e-mail and password.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from admin.access import ROLES
from admin.i18n import lazy
from bot.storage.models import Partner, SetupToken, StaffUser

__all__ = [
    "SETUP_LIFETIME",
    "AccountError",
    "any_account",
    "create_account",
    "issue_setup_token",
    "normalise_email",
    "use_setup_token",
    "valid_setup_token",
]

SETUP_LIFETIME = timedelta(hours=1)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class AccountError(ValueError):
    """An account that cannot be created as asked; the message says why, in French."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def any_account(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(StaffUser)) != 0


def create_account(
    session: Session,
    *,
    email: str,
    password_hash: str,
    role: str,
    now: datetime,
    partner_code: str | None = None,
) -> StaffUser:
    """A new account; `password_hash` from `PasswordChecks.hash` (admin/passwords.py)."""
    email = normalise_email(email)
    if not _EMAIL.fullmatch(email) or len(email) > 254:
        raise AccountError(str(lazy("Cette adresse e-mail n'est pas valide.")))
    if role not in ROLES:
        raise AccountError(str(lazy("Ce rôle n'existe pas.")))
    partner_id = None
    if role == "partner":
        partner = session.scalar(
            select(Partner).where(Partner.code == (partner_code or "").strip().upper())
        )
        if partner is None:
            raise AccountError(
                str(lazy("Un compte partenaire doit nommer un partenaire existant."))
            )
        partner_id = partner.id
    if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise AccountError(str(lazy("Un compte existe déjà avec cette adresse e-mail.")))
    user = StaffUser(
        email=email,
        password_hash=password_hash,
        role=role,
        partner_id=partner_id,
        created_at=now,
        password_changed_at=now,
    )
    session.add(user)
    session.flush()
    return user


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_setup_token(session: Session, now: datetime) -> str | None:
    """A new set-up token while no account exists (None once one does)."""
    if any_account(session):
        return None
    token = secrets.token_urlsafe(32)
    session.add(
        SetupToken(token_hash=_hash(token), created_at=now, expires_at=now + SETUP_LIFETIME)
    )
    return token


def valid_setup_token(session: Session, token: str, now: datetime) -> SetupToken | None:
    if not token or len(token) > 128 or any_account(session):
        return None
    row = session.scalar(select(SetupToken).where(SetupToken.token_hash == _hash(token)))
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    return row


def use_setup_token(session: Session, token: str, now: datetime) -> bool:
    """Spend the token, once: of two set-ups posted together, one wins."""
    spent = session.execute(
        update(SetupToken)
        .where(
            SetupToken.token_hash == _hash(token),
            SetupToken.used_at.is_(None),
            SetupToken.expires_at > now,
        )
        .values(used_at=now)
    )
    return getattr(spent, "rowcount", 0) == 1
