"""Initial schema, the default points settings and a single standard tier.

Money and points columns are integer hundredths, rates integer ten-thousandths.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_key",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("prefix", sa.String(length=20), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_key_key_hash")),
    )
    op.create_table(
        "customer",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("external_ref", sa.String(length=100), nullable=True),
        sa.Column("birthday", sa.Date(), nullable=True),
        sa.Column("gender", sa.String(length=16), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("province", sa.String(length=100), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("relationship", sa.String(length=16), nullable=False),
        sa.Column("sales_rep", sa.String(length=100), nullable=True),
        sa.Column("store_id", sa.String(length=64), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("tier", sa.String(length=32), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("lifetime_points", sa.BigInteger(), nullable=False),
        sa.Column("lifetime_profit_points", sa.BigInteger(), nullable=False),
        sa.Column("lifetime_consumption_points", sa.BigInteger(), nullable=False),
        sa.Column("purchase_count", sa.Integer(), nullable=False),
        sa.Column("last_purchase_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ledger_seq", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer")),
    )
    op.create_index("ix_customer_email", "customer", ["email"], unique=False)
    op.create_index("ix_customer_external_ref", "customer", ["external_ref"], unique=False)
    op.create_index("ix_customer_phone", "customer", ["phone"], unique=False)
    op.create_index("ix_customer_tier", "customer", ["tier"], unique=False)
    op.create_table(
        "idempotency_record",
        sa.Column("api_key_id", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("api_key_id", "key", name=op.f("pk_idempotency_record")),
    )
    op.create_table(
        "points_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("x_development", sa.Integer(), nullable=False),
        sa.Column("x_maintenance", sa.Integer(), nullable=False),
        sa.Column("point_value", sa.Integer(), nullable=False),
        sa.Column("liability_warning", sa.BigInteger(), nullable=False),
        sa.Column("liability_critical", sa.BigInteger(), nullable=False),
        sa.Column("liability_target", sa.BigInteger(), nullable=False),
        sa.Column("catalogue_version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_settings")),
    )
    op.create_table(
        "points_settings_change",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("api_key_id", sa.String(length=40), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_settings_change")),
    )
    op.create_table(
        "service_type",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("average_margin", sa.Integer(), nullable=False),
        sa.Column("points_weight", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_service_type")),
    )
    op.create_table(
        "tier",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.BigInteger(), nullable=False),
        sa.Column("rebate_rate", sa.Integer(), nullable=False),
        sa.Column("allowed_services", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_tier")),
    )
    op.create_table(
        "ledger_entry",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("entry_no", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=False),
        sa.Column("lifetime_after", sa.BigInteger(), nullable=False),
        sa.Column("counts_toward_tier", sa.Boolean(), nullable=False),
        sa.Column("profit_points", sa.BigInteger(), nullable=False),
        sa.Column("consumption_points", sa.BigInteger(), nullable=False),
        sa.Column("x", sa.Integer(), nullable=True),
        sa.Column("rebate", sa.BigInteger(), nullable=True),
        sa.Column("tier_before", sa.String(length=32), nullable=False),
        sa.Column("tier_after", sa.String(length=32), nullable=False),
        sa.Column("transaction_id", sa.String(length=40), nullable=True),
        sa.Column("refund_id", sa.String(length=40), nullable=True),
        sa.Column("reverses_id", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("api_key_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_ledger_entry_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entry")),
        sa.UniqueConstraint("customer_id", "entry_no", name=op.f("uq_ledger_entry_customer_id_entry_no")),
    )
    op.create_table(
        "purchase",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("x", sa.Integer(), nullable=False),
        sa.Column("rebate_rate", sa.Integer(), nullable=False),
        sa.Column("tier_before", sa.String(length=32), nullable=False),
        sa.Column("tier_after", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("rebate", sa.BigInteger(), nullable=False),
        sa.Column("payable", sa.BigInteger(), nullable=False),
        sa.Column("profit_points", sa.BigInteger(), nullable=False),
        sa.Column("consumption_points", sa.BigInteger(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=False),
        sa.Column("lifetime_after", sa.BigInteger(), nullable=False),
        sa.Column("refunded_amount", sa.BigInteger(), nullable=False),
        sa.Column("reversed_points", sa.BigInteger(), nullable=False),
        sa.Column("earn_entry_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_purchase_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase")),
        sa.UniqueConstraint("store_id", "external_id", name=op.f("uq_purchase_store_id_external_id")),
    )
    op.create_index("ix_purchase_customer_id_id", "purchase", ["customer_id", "id"], unique=False)
    op.create_table(
        "purchase_line",
        sa.Column("purchase_id", sa.String(length=40), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("service_type", sa.String(length=32), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("margin", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("list_profit", sa.BigInteger(), nullable=False),
        sa.Column("rebate", sa.BigInteger(), nullable=False),
        sa.Column("paid", sa.BigInteger(), nullable=False),
        sa.Column("profit_points", sa.BigInteger(), nullable=False),
        sa.Column("consumption_points", sa.BigInteger(), nullable=False),
        sa.Column("refunded_amount", sa.BigInteger(), nullable=False),
        sa.Column("reversed_profit_points", sa.BigInteger(), nullable=False),
        sa.Column("reversed_consumption_points", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["purchase_id"], ["purchase.id"], name=op.f("fk_purchase_line_purchase_id_purchase")
        ),
        sa.PrimaryKeyConstraint("purchase_id", "line_no", name=op.f("pk_purchase_line")),
    )
    op.create_table(
        "refund",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("purchase_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("profit_points", sa.BigInteger(), nullable=False),
        sa.Column("consumption_points", sa.BigInteger(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("tier_before", sa.String(length=32), nullable=False),
        sa.Column("tier_after", sa.String(length=32), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=False),
        sa.Column("lifetime_after", sa.BigInteger(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["purchase_id"], ["purchase.id"], name=op.f("fk_refund_purchase_id_purchase")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund")),
    )
    op.create_index("ix_refund_purchase_id", "refund", ["purchase_id"], unique=False)
    _insert_defaults()


def _insert_defaults() -> None:
    """The formula needs settings and a tier table from the first request on; `crm seed` adds more."""
    now = datetime.now(UTC)
    settings = sa.table(
        "points_settings",
        sa.column("id", sa.Integer),
        sa.column("x_development", sa.Integer),
        sa.column("x_maintenance", sa.Integer),
        sa.column("point_value", sa.Integer),
        sa.column("liability_warning", sa.BigInteger),
        sa.column("liability_critical", sa.BigInteger),
        sa.column("liability_target", sa.BigInteger),
        sa.column("catalogue_version", sa.Integer),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(
        settings,
        [
            {
                "id": 1,
                "x_development": 8000,
                "x_maintenance": 8000,
                "point_value": 100,
                "liability_warning": 10_000_000,
                "liability_critical": 25_000_000,
                "liability_target": 15_000_000,
                "catalogue_version": 1,
                "updated_at": now,
            }
        ],
    )
    tier = sa.table(
        "tier",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("position", sa.Integer),
        sa.column("threshold", sa.BigInteger),
        sa.column("rebate_rate", sa.Integer),
        sa.column("allowed_services", sa.JSON),
    )
    op.bulk_insert(
        tier,
        [
            {
                "code": "standard",
                "name": "Standard",
                "position": 0,
                "threshold": 0,
                "rebate_rate": 0,
                "allowed_services": [],
            }
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_refund_purchase_id", table_name="refund")
    op.drop_table("refund")
    op.drop_table("purchase_line")
    op.drop_index("ix_purchase_customer_id_id", table_name="purchase")
    op.drop_table("purchase")
    op.drop_table("ledger_entry")
    op.drop_table("tier")
    op.drop_table("service_type")
    op.drop_table("points_settings_change")
    op.drop_table("points_settings")
    op.drop_table("idempotency_record")
    op.drop_index("ix_customer_tier", table_name="customer")
    op.drop_index("ix_customer_phone", table_name="customer")
    op.drop_index("ix_customer_external_ref", table_name="customer")
    op.drop_index("ix_customer_email", table_name="customer")
    op.drop_table("customer")
    op.drop_table("api_key")
