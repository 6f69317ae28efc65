"""Service types can be retired; tier-table and service-type changes are kept in a history.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("service_type") as batch:
        batch.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "catalogue_change",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("api_key_id", sa.String(length=40), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("regraded", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_change")),
    )
    op.create_index("ix_catalogue_change_subject_id", "catalogue_change", ["subject", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_catalogue_change_subject_id", table_name="catalogue_change")
    op.drop_table("catalogue_change")
    with op.batch_alter_table("service_type") as batch:
        batch.drop_column("active")
