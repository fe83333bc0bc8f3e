"""One INSERT … ON CONFLICT DO UPDATE, on SQLite and PostgreSQL alike.

For rows written by their natural key on hot paths (a person's answer to a question):
one statement, whether the row exists or not, and no ORM object to load and flush.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

__all__ = ["upsert"]


def upsert(session: Session, table: Table, values: Mapping[str, Any], keys: Sequence[str]) -> None:
    """Insert `values` into `table`, or, when a row has the same `keys` (a unique
    constraint), set its other columns to `values`."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**values)
    changed = {name: statement.excluded[name] for name in values if name not in keys}
    session.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=changed))
