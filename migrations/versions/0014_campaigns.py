"""Campaigns: the campaign, its frozen selection (targets and holdout), what it added to purchases,
and the campaign a ledger entry belongs to.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=5000), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("store_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("target", sa.JSON(), nullable=False),
        sa.Column("bonus_points", sa.BigInteger(), nullable=True),
        sa.Column("multiplier", sa.Integer(), nullable=True),
        sa.Column("extra_rebate_rate", sa.Integer(), nullable=True),
        sa.Column("service_types", sa.JSON(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bonus_counts_toward_tier", sa.Boolean(), nullable=False),
        sa.Column("budget", sa.BigInteger(), nullable=True),
        sa.Column("spent", sa.BigInteger(), nullable=False),
        sa.Column("holdout_share", sa.Integer(), nullable=True),
        sa.Column("executed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("execution_done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("job_id", sa.String(length=40), nullable=True),
        sa.Column("created_by", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
    )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.create_index("ix_campaign_status", ["status"], unique=False)
    op.create_table(
        "campaign_member",
        sa.Column("campaign_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("holdout", sa.Boolean(), nullable=False),
        sa.Column("awarded_points", sa.BigInteger(), nullable=True),
        sa.Column("entry_id", sa.String(length=40), nullable=True),
        sa.Column("awarded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("left_out", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_campaign_member_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_campaign_member_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("campaign_id", "customer_id", name=op.f("pk_campaign_member")),
    )
    with op.batch_alter_table("campaign_member", schema=None) as batch_op:
        batch_op.create_index("ix_campaign_member_customer_id", ["customer_id"], unique=False)
    op.create_table(
        "campaign_purchase",
        sa.Column("campaign_id", sa.String(length=40), nullable=False),
        sa.Column("purchase_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("bonus_points", sa.BigInteger(), nullable=False),
        sa.Column("bonus_entry_id", sa.String(length=40), nullable=True),
        sa.Column("counts_toward_tier", sa.Boolean(), nullable=False),
        sa.Column("extra_rebate", sa.BigInteger(), nullable=False),
        sa.Column("reversed_bonus", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_campaign_purchase_campaign_id_campaign")
        ),
        sa.PrimaryKeyConstraint("campaign_id", "purchase_id", name=op.f("pk_campaign_purchase")),
    )
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("campaign_id", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_column("campaign_id")
    op.drop_table("campaign_purchase")
    with op.batch_alter_table("campaign_member", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_member_customer_id")
    op.drop_table("campaign_member")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_status")
    op.drop_table("campaign")
