"""One INSERT … ON CONFLICT DO UPDATE, on SQLite and PostgreSQL alike.

For rows written by their natural key on hot paths (a person's answer to a question):
one statement, whether the row exists or not, and no ORM object to load and flush.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

__all__ = ["upsert"]


def upsert(session: Session, table: Table, values: Mapping[str, Any], keys: Sequence[str]) -> None:
    """Insert `values` into `table`, or, when a row has the same `keys` (a unique
    constraint), set its other columns to `values`."""
    statement = _statement(session.get_bind().dialect.name, table, tuple(values), tuple(keys))
    # On the connection: a Core statement needs none of the ORM's work (autoflush and all).
    session.connection().execute(statement, dict(values))


@functools.cache  # once per shape: building the statement costs more than running it
def _statement(
    dialect_name: str, table: Table, columns: tuple[str, ...], keys: tuple[str, ...]
) -> Any:
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    insert = dialect.insert(table)
    changed = {c: insert.excluded[c] for c in columns if c not in keys}
    return insert.on_conflict_do_update(index_elements=list(keys), set_=changed)
