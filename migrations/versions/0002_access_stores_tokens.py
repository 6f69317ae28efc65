"""Stores as a resource and member tokens for mobile apps.

Every store already named by a purchase, member or API key becomes an active store, so
existing data keeps naming known stores.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "store",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_store")),
    )
    op.create_table(
        "member_token",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("api_key_id", sa.String(length=40), nullable=False),
        sa.Column("prefix", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_key.id"], name=op.f("fk_member_token_api_key_id_api_key")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_member_token_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_member_token_token_hash")),
    )
    op.create_index("ix_member_token_customer_id_id", "member_token", ["customer_id", "id"], unique=False)
    _backfill_stores()


def _backfill_stores() -> None:
    bind = op.get_bind()
    named = sa.text(
        "SELECT store_id FROM purchase UNION SELECT store_id FROM customer WHERE store_id IS NOT NULL "
        "UNION SELECT store_id FROM api_key WHERE store_id IS NOT NULL"
    )
    now = datetime.now(UTC)
    if bind.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    rows = [
        {"code": code, "name": code, "region": None, "active": True, "created_at": now, "updated_at": now}
        for (code,) in bind.execute(named)
    ]
    if rows:
        store = sa.table(
            "store",
            *(sa.column(c) for c in ("code", "name", "region", "active", "created_at", "updated_at")),
        )
        op.bulk_insert(store, rows)


def downgrade() -> None:
    op.drop_index("ix_member_token_customer_id_id", table_name="member_token")
    op.drop_table("member_token")
    op.drop_table("store")
