"""The people who run Orienta: staff accounts, their signed-in sessions, the one-time
link that creates the first account, and the append-only audit log of what they changed.

A staff account is never a returnee: nothing here points at `contacts` except through
public ids written in the audit log, so erasing a person leaves its rows anonymous.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.storage.models.base import Base, IntPk, JSONType, MaybeTimestamp, Timestamp, public_id
from bot.storage.models.partners import Partner

__all__ = ["AuditEntry", "SetupToken", "StaffSession", "StaffUser"]


class StaffUser(Base):
    """Someone who signs in to the admin: NGO staff, a coordinator, a partner's staff."""

    __tablename__ = "staff_users"

    id: Mapped[IntPk]
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=public_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    """Lower-cased: the sign-in name."""
    password_hash: Mapped[str] = mapped_column(String(255))
    """argon2id, in its own encoded form (parameters and salt included)."""
    role: Mapped[str] = mapped_column(String(16))
    """admin | coordinator | staff | partner | viewer (admin/access.py)"""
    partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    """For the partner role: the one partner whose services and bookings it sees."""
    created_at: Mapped[Timestamp]
    password_changed_at: Mapped[Timestamp]
    last_sign_in_at: Mapped[MaybeTimestamp]
    disabled_at: Mapped[MaybeTimestamp]
    """Set by an admin: the account can no longer sign in and its sessions are ended."""

    partner: Mapped[Partner | None] = relationship()


class StaffSession(Base):
    """A signed-in browser. The cookie holds a random id; only its hash is stored, so
    that a copy of the database does not let anyone in. Deleting the row signs out."""

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    """SHA-256 of the cookie's value, in hex."""
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    csrf_key: Mapped[str] = mapped_column(String(64))
    """The secret the session's CSRF tokens are derived from (WTForms' SessionCSRF)."""
    created_at: Mapped[Timestamp]
    last_seen_at: Mapped[Timestamp]


class SetupToken(Base):
    """The one-time link `orienta serve` prints while no staff account exists."""

    __tablename__ = "setup_tokens"

    id: Mapped[IntPk]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[Timestamp]
    expires_at: Mapped[Timestamp]
    used_at: Mapped[MaybeTimestamp]


class AuditEntry(Base):
    """One change made by staff: who, what, when, and the values before and after for
    settings and content. Append-only (database triggers refuse UPDATE and DELETE).
    People are named by public ids only, never by a phone number or a name."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index(None, "at"),)

    id: Mapped[IntPk]
    at: Mapped[Timestamp]
    actor: Mapped[str] = mapped_column(String(64))
    """The staff account's public id, or `cli` / `setup` for what was done outside."""
    action: Mapped[str] = mapped_column(String(48))
    """What was done, such as `partner.create` or `person.unmask`."""
    target_type: Mapped[str | None] = mapped_column(String(24))
    target: Mapped[str | None] = mapped_column(String(64))
    """The public id or code of what was changed."""
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
