"""where services are, and partners' public phone numbers

Revision ID: ce789d62f22f
Revises: 5b0c1e7f9a21
Create Date: 2026-12-02 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ce789d62f22f"
down_revision: str | None = "5b0c1e7f9a21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Both nullable: existing rows stay valid (a service of unknown place is never called
    # near; a partner without a public number gives none). `orienta seed-demo` fills in
    # the demo rows.
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_phone", sa.String(length=32), nullable=True))
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prefecture", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_column("prefecture")
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_column("public_phone")
