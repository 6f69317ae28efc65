"""Finance: points lots (expiry), redemption store and receipt, paying with points, P&L floor.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "points_lot",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("purchase_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.Column("expired", sa.BigInteger(), nullable=False),
        sa.Column("expiry_absorbed", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_points_lot_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_lot")),
    )
    op.create_index("ix_points_lot_customer_id_created_at", "points_lot", ["customer_id", "created_at"])
    op.create_index("ix_points_lot_expires_at", "points_lot", ["expires_at"])
    with op.batch_alter_table("ledger_entry") as batch:
        batch.add_column(sa.Column("store_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("receipt_ref", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("lot_id", sa.String(length=40), nullable=True))
    op.create_index("ix_ledger_entry_created_at", "ledger_entry", ["created_at"])
    with op.batch_alter_table("purchase") as batch:
        batch.add_column(sa.Column("redeemed_points", sa.BigInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("redeemed_value", sa.BigInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("redeem_entry_id", sa.String(length=40), nullable=True))
    op.create_index("ix_purchase_created_at", "purchase", ["created_at"])
    with op.batch_alter_table("refund") as batch:
        batch.add_column(sa.Column("returned_points", sa.BigInteger(), nullable=False, server_default="0"))
    op.create_index("ix_refund_created_at", "refund", ["created_at"])
    with op.batch_alter_table("points_settings") as batch:
        batch.add_column(sa.Column("points_expiry_months", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("pnl_margin_floor", sa.Integer(), nullable=False, server_default="500"))
    # Every balance already held becomes one lot that never expires, so the lots add up.
    op.execute(
        "INSERT INTO points_lot (id, customer_id, kind, purchase_id, created_at, expires_at, points,"
        " remaining, expired, expiry_absorbed)"
        " SELECT 'lot_' || id, id, 'opening', NULL, updated_at, NULL, balance, balance, 0, 0"
        " FROM customer WHERE balance > 0"
    )


def downgrade() -> None:
    with op.batch_alter_table("points_settings") as batch:
        batch.drop_column("pnl_margin_floor")
        batch.drop_column("points_expiry_months")
    op.drop_index("ix_refund_created_at", table_name="refund")
    with op.batch_alter_table("refund") as batch:
        batch.drop_column("returned_points")
    op.drop_index("ix_purchase_created_at", table_name="purchase")
    with op.batch_alter_table("purchase") as batch:
        batch.drop_column("redeem_entry_id")
        batch.drop_column("redeemed_value")
        batch.drop_column("redeemed_points")
    op.drop_index("ix_ledger_entry_created_at", table_name="ledger_entry")
    with op.batch_alter_table("ledger_entry") as batch:
        batch.drop_column("lot_id")
        batch.drop_column("receipt_ref")
        batch.drop_column("store_id")
    op.drop_index("ix_points_lot_expires_at", table_name="points_lot")
    op.drop_index("ix_points_lot_customer_id_created_at", table_name="points_lot")
    op.drop_table("points_lot")
