"""Finance: striped liability totals, alert state, alerts, settlements, vouchers, jobs.

Backfills the stripes from the members' balances, and lowers a liability target above the
warning (the old default) to three quarters of the warning: target ≤ warning < critical.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import zlib

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

STRIPES = 256  # app.domain.finance.liability.STRIPES when this revision was written


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cause_type", sa.String(length=16), nullable=False),
        sa.Column("cause_id", sa.String(length=64), nullable=True),
        sa.Column("customer_id", sa.String(length=40), nullable=True),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=40), nullable=True),
        sa.Column("acknowledge_note", sa.String(length=1000), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=40), nullable=True),
        sa.Column("resolve_note", sa.String(length=1000), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_alert_dedupe_key")),
    )
    op.create_index("ix_alert_customer_id", "alert", ["customer_id"], unique=False)
    op.create_index("ix_alert_kind_created", "alert", ["kind", "id"], unique=False)
    op.create_table(
        "finance_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("settle_min_balance", sa.BigInteger(), nullable=False),
        sa.Column("tier_change_alerts", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_settings")),
    )
    op.create_table(
        "job",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("run_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("worker_id", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=2000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    op.create_index("ix_job_status_run_after", "job", ["status", "run_after"], unique=False)
    op.create_table(
        "liability_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_liability_state")),
    )
    op.create_table(
        "liability_stripe",
        sa.Column("stripe", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("positive_points", sa.BigInteger(), nullable=False),
        sa.Column("total_points", sa.BigInteger(), nullable=False),
        sa.Column("positive_members", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("stripe", name=op.f("pk_liability_stripe")),
    )
    op.create_table(
        "settlement",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("target", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("api_key_id", sa.String(length=40), nullable=True),
        sa.Column("cause_id", sa.String(length=40), nullable=True),
        sa.Column("point_value", sa.Integer(), nullable=True),
        sa.Column("min_balance", sa.BigInteger(), nullable=True),
        sa.Column("liability_before", sa.BigInteger(), nullable=True),
        sa.Column("liability_after", sa.BigInteger(), nullable=True),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement")),
    )
    op.create_table(
        "settlement_event",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("settlement_id", sa.String(length=40), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["settlement_id"], ["settlement.id"], name=op.f("fk_settlement_event_settlement_id_settlement")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_event")),
    )
    op.create_index(
        op.f("ix_settlement_event_settlement_id"), "settlement_event", ["settlement_id"], unique=False
    )
    op.create_table(
        "settlement_item",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("settlement_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("ledger_entry_id", sa.String(length=40), nullable=False),
        sa.Column("voucher_code", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_settlement_item_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["settlement_id"], ["settlement.id"], name=op.f("fk_settlement_item_settlement_id_settlement")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_item")),
        sa.UniqueConstraint(
            "settlement_id", "customer_id", name=op.f("uq_settlement_item_settlement_id_customer_id")
        ),
    )
    op.create_table(
        "voucher",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("settlement_id", sa.String(length=40), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_store_id", sa.String(length=64), nullable=True),
        sa.Column("used_by", sa.String(length=40), nullable=True),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_voucher_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_voucher")),
    )
    op.create_index("ix_voucher_customer_id", "voucher", ["customer_id", "code"], unique=False)

    _backfill_stripes()
    op.execute(
        "UPDATE points_settings SET liability_target = liability_warning * 3 / 4 "
        "WHERE liability_target > liability_warning"
    )


def _backfill_stripes() -> None:
    """Running totals for the balances members already hold (crc32 of the id, as the app does)."""
    totals: dict[int, list[int]] = {}
    for member_id, balance in op.get_bind().execute(sa.text("SELECT id, balance FROM customer")):
        row = totals.setdefault(zlib.crc32(member_id.encode()) % STRIPES, [0, 0, 0])
        row[0] += max(balance, 0)
        row[1] += balance
        row[2] += int(balance > 0)
    stripe = sa.table(
        "liability_stripe",
        sa.column("stripe", sa.Integer),
        sa.column("positive_points", sa.BigInteger),
        sa.column("total_points", sa.BigInteger),
        sa.column("positive_members", sa.Integer),
    )
    rows = [
        {"stripe": k, "positive_points": v[0], "total_points": v[1], "positive_members": v[2]}
        for k, v in sorted(totals.items())
    ]
    if rows:
        op.bulk_insert(stripe, rows)


def downgrade() -> None:
    op.drop_index("ix_voucher_customer_id", table_name="voucher")
    op.drop_table("voucher")
    op.drop_table("settlement_item")
    op.drop_index(op.f("ix_settlement_event_settlement_id"), table_name="settlement_event")
    op.drop_table("settlement_event")
    op.drop_table("settlement")
    op.drop_table("liability_stripe")
    op.drop_table("liability_state")
    op.drop_index("ix_job_status_run_after", table_name="job")
    op.drop_table("job")
    op.drop_table("finance_settings")
    op.drop_index("ix_alert_kind_created", table_name="alert")
    op.drop_index("ix_alert_customer_id", table_name="alert")
    op.drop_table("alert")
