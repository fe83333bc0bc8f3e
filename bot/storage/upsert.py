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


_BUILT: dict[tuple[str, str, tuple[str, ...], tuple[str, ...]], Any] = {}


def upsert(session: Session, table: Table, values: Mapping[str, Any], keys: Sequence[str]) -> None:
    """Insert `values` into `table`, or, when a row has the same `keys` (a unique
    constraint), set its other columns to `values`."""
    name = session.get_bind().dialect.name
    shape = (name, table.name, tuple(values), tuple(keys))
    statement = _BUILT.get(shape)
    if statement is None:  # built once per shape: building it costs more than running it
        dialect = postgresql if name == "postgresql" else sqlite
        insert = dialect.insert(table)
        changed = {c: insert.excluded[c] for c in values if c not in keys}
        statement = _BUILT[shape] = insert.on_conflict_do_update(
            index_elements=list(keys), set_=changed
        )
    # On the connection: a Core statement needs none of the ORM's work (autoflush and all).
    session.connection().execute(statement, dict(values))
