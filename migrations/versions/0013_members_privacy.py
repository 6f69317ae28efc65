"""Duplicates, consent and erasure: merges and what they moved, consent decisions, and the
member's `merged_into` and `erased_at`.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customer") as batch:
        batch.add_column(sa.Column("merged_into", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "member_merge",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("survivor_id", sa.String(length=40), nullable=False),
        sa.Column("duplicate_id", sa.String(length=40), nullable=False),
        sa.Column("survivor_seq", sa.Integer(), nullable=False),
        sa.Column("duplicate_before", sa.JSON(), nullable=False),
        sa.Column("netted_points", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("api_key_id", sa.String(length=40), nullable=True),
        sa.Column("user_id", sa.String(length=40), nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["survivor_id"], ["customer.id"], name=op.f("fk_member_merge_survivor_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_id"], ["customer.id"], name=op.f("fk_member_merge_duplicate_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_merge")),
    )
    with op.batch_alter_table("member_merge") as batch:
        batch.create_index("ix_member_merge_survivor_id", ["survivor_id"], unique=False)
        batch.create_index("ix_member_merge_duplicate_id", ["duplicate_id"], unique=False)
    op.create_table(
        "member_merge_item",
        sa.Column("merge_id", sa.String(length=40), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["merge_id"], ["member_merge.id"], name=op.f("fk_member_merge_item_merge_id_member_merge")
        ),
        sa.PrimaryKeyConstraint("merge_id", "object_type", "object_id", name=op.f("pk_member_merge_item")),
    )
    op.create_table(
        "consent_event",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("api_key_id", sa.String(length=40), nullable=True),
        sa.Column("user_id", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_consent_event_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_event")),
    )
    with op.batch_alter_table("consent_event") as batch:
        batch.create_index(
            "ix_consent_event_customer_channel", ["customer_id", "channel", "id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("consent_event")
    op.drop_table("member_merge_item")
    op.drop_table("member_merge")
    with op.batch_alter_table("customer") as batch:
        batch.drop_column("erased_at")
        batch.drop_column("merged_into")
