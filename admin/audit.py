"""The audit log: one row for every change staff make, written in the same transaction
as the change (so there is never a change without its row, nor a row for a change that
did not happen). Rows are never updated or deleted (database triggers refuse it).

`before` and `after` hold the fields that changed, for settings and content; they must
never hold a phone number or a person's name: people are named by public ids.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from bot.storage.models import AuditEntry

__all__ = ["changes", "entries", "record"]


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    now: datetime,
    target_type: str | None = None,
    target: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        at=now,
        actor=actor,
        action=action,
        target_type=target_type,
        target=target,
        before=before,
        after=after,
    )
    session.add(entry)
    session.flush()
    return entry


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields whose value changed, before and after."""
    changed = [key for key in after if before.get(key) != after[key]]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


def entries(*, actor: str | None = None, action: str | None = None) -> Select[AuditEntry]:
    """The log, newest first, optionally of one actor or one kind of action."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action:
        query = query.where(AuditEntry.action.startswith(action))
    return query
