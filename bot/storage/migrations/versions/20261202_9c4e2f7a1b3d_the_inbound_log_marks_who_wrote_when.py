"""the inbound log marks who wrote, and when, on their contact and identity

Revision ID: 9c4e2f7a1b3d
Revises: 24223a043210
Create Date: 2026-12-02 05:10:00

Every turn used to write three rows for one fact, "this person just wrote from this
address": the inbound log, `contacts.last_inbound_at` and the identity's
`last_inbound_at` / `unreachable_at`. The log now names the identity, and a trigger
copies the time onto both: two UPDATE statements (and two round trips on PostgreSQL)
fewer per turn, and the three can never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9c4e2f7a1b3d"
down_revision: str | None = "24223a043210"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MARK = (
    "UPDATE contacts SET last_inbound_at = NEW.received_at WHERE id = NEW.contact_id; "
    "UPDATE channel_identities SET last_inbound_at = NEW.received_at, unreachable_at = NULL "
    "WHERE id = NEW.identity_id;"
)


_FK = "fk_inbound_messages_identity_id_channel_identities"
_INDEX = "ix_inbound_messages_identity_id"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("inbound_messages", sa.Column("identity_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            _FK,
            "inbound_messages",
            "channel_identities",
            ["identity_id"],
            ["id"],
            ondelete="SET NULL",
        )
    else:
        with op.batch_alter_table("inbound_messages") as batch_op:
            batch_op.add_column(sa.Column("identity_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                _FK, "channel_identities", ["identity_id"], ["id"], ondelete="SET NULL"
            )
    # Erasing a person deletes their identities: each nulls its inbound rows by this.
    op.create_index(_INDEX, "inbound_messages", ["identity_id"])
    # A person who just wrote from an address: when, on their contact and that address
    # (reachable again, whatever a provider said before).
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION orienta_inbound_marks_last_seen() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN {_MARK} RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER inbound_marks_last_seen AFTER INSERT ON inbound_messages "
            "FOR EACH ROW WHEN (NEW.contact_id IS NOT NULL) "
            "EXECUTE FUNCTION orienta_inbound_marks_last_seen()"
        )
    else:
        op.execute(
            "CREATE TRIGGER inbound_marks_last_seen AFTER INSERT ON inbound_messages "
            f"FOR EACH ROW WHEN NEW.contact_id IS NOT NULL BEGIN {_MARK} END"
        )


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="inbound_messages")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER inbound_marks_last_seen ON inbound_messages")
        op.execute("DROP FUNCTION orienta_inbound_marks_last_seen()")
        op.drop_constraint(_FK, "inbound_messages", type_="foreignkey")
        op.drop_column("inbound_messages", "identity_id")
        return
    op.execute("DROP TRIGGER inbound_marks_last_seen")
    with op.batch_alter_table("inbound_messages") as batch_op:
        batch_op.drop_constraint(_FK, type_="foreignkey")
        batch_op.drop_column("identity_id")
