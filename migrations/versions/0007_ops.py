"""Incremental sync: purchases get `updated_at`; members and purchases an (updated_at, id) index.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("purchase") as batch:
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE purchase SET updated_at = created_at")
    with op.batch_alter_table("purchase") as batch:
        batch.alter_column("updated_at", existing_type=sa.DateTime(timezone=True), nullable=False)
    op.create_index("ix_purchase_updated_at_id", "purchase", ["updated_at", "id"], unique=False)
    op.create_index("ix_customer_updated_at_id", "customer", ["updated_at", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_customer_updated_at_id", table_name="customer")
    op.drop_index("ix_purchase_updated_at_id", table_name="purchase")
    with op.batch_alter_table("purchase") as batch:
        batch.drop_column("updated_at")
