"""Member analysis columns: the stored lifecycle stage, value segments and RFM scores.

They are what campaign selections and member searches filter on; the analysis keeps them
current (incrementally on purchases, refunds and tickets; in bulk with `crm analyse`). The
stage is backfilled with the core rule (no purchase: exploration; none in 365 days: decline;
4 or more: stability; else formation).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

customer = sa.table(
    "customer",
    sa.column("lifecycle_stage", sa.String),
    sa.column("purchase_count", sa.Integer),
    sa.column("last_purchase_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("lifecycle_stage", sa.String(length=16), nullable=False, server_default="exploration")
        )
        batch_op.add_column(
            sa.Column("segment_value", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("segment_trend", sa.String(length=8), nullable=True))
        batch_op.add_column(
            sa.Column("segment_problem", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("rfm_r", sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column("rfm_f", sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column("rfm_m", sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column("analysed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_customer_lifecycle_stage"), ["lifecycle_stage"], unique=False)
    cutoff = datetime.now(UTC) - timedelta(days=365)
    op.get_bind().execute(
        customer.update().values(
            lifecycle_stage=sa.case(
                (
                    sa.or_(customer.c.purchase_count <= 0, customer.c.last_purchase_at.is_(None)),
                    "exploration",
                ),
                (customer.c.last_purchase_at < cutoff, "decline"),
                (customer.c.purchase_count >= 4, "stability"),
                else_="formation",
            )
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_lifecycle_stage"))
        for column in (
            "analysed_at",
            "rfm_m",
            "rfm_f",
            "rfm_r",
            "segment_problem",
            "segment_trend",
            "segment_value",
            "lifecycle_stage",
        ):
            batch_op.drop_column(column)
