"""Customer management: vehicles, mileage readings, maintenance records, contacts, activities,
tickets and their tasks; maintenance intervals on the service types.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _customer_fk() -> sa.Column[str]:
    return sa.Column("customer_id", sa.String(length=40), nullable=False)


def upgrade() -> None:
    with op.batch_alter_table("service_type") as batch:
        batch.add_column(sa.Column("maintenance_interval_days", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("maintenance_interval_km", sa.Integer(), nullable=True))
    op.create_table(
        "vehicle",
        sa.Column("id", sa.String(length=40), nullable=False),
        _customer_fk(),
        sa.Column("vin", sa.String(length=17), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=True),
        sa.Column("make", sa.String(length=100), nullable=True),
        sa.Column("model", sa.String(length=100), nullable=True),
        sa.Column("model_year", sa.Integer(), nullable=True),
        sa.Column("purchase_date", sa.Date(), nullable=True),
        sa.Column("odometer_km", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_vehicle_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicle")),
        sa.UniqueConstraint("vin", name=op.f("uq_vehicle_vin")),
    )
    op.create_index("ix_vehicle_customer_id_id", "vehicle", ["customer_id", "id"], unique=False)
    op.create_table(
        "mileage_reading",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("vehicle_id", sa.String(length=40), nullable=False),
        sa.Column("reading_km", sa.Integer(), nullable=False),
        sa.Column("read_on", sa.Date(), nullable=False),
        sa.Column("correction", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicle.id"], name=op.f("fk_mileage_reading_vehicle_id_vehicle")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mileage_reading")),
    )
    op.create_index("ix_mileage_reading_vehicle_id_id", "mileage_reading", ["vehicle_id", "id"], unique=False)
    op.create_table(
        "maintenance_record",
        sa.Column("id", sa.String(length=40), nullable=False),
        _customer_fk(),
        sa.Column("vehicle_id", sa.String(length=40), nullable=True),
        sa.Column("service_type", sa.String(length=32), nullable=False),
        sa.Column("performed_on", sa.Date(), nullable=False),
        sa.Column("mileage_km", sa.Integer(), nullable=True),
        sa.Column("notes", sa.String(length=2000), nullable=True),
        sa.Column("store_id", sa.String(length=64), nullable=True),
        sa.Column("tier", sa.String(length=32), nullable=False),
        sa.Column("override_reason", sa.String(length=500), nullable=True),
        sa.Column("override_by", sa.String(length=40), nullable=True),
        sa.Column("api_key_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_maintenance_record_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicle.id"], name=op.f("fk_maintenance_record_vehicle_id_vehicle")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_record")),
    )
    op.create_index(
        "ix_maintenance_record_customer_id_id", "maintenance_record", ["customer_id", "id"], unique=False
    )
    op.create_index("ix_maintenance_record_vehicle_id", "maintenance_record", ["vehicle_id"], unique=False)
    op.create_table(
        "contact",
        sa.Column("id", sa.String(length=40), nullable=False),
        _customer_fk(),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("birthday", sa.Date(), nullable=True),
        sa.Column("is_main", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.String(length=2000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_contact_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact")),
    )
    op.create_index("ix_contact_customer_id_id", "contact", ["customer_id", "id"], unique=False)
    op.create_table(
        "activity",
        sa.Column("id", sa.String(length=40), nullable=False),
        _customer_fk(),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.String(length=5000), nullable=True),
        sa.Column("staff", sa.String(length=100), nullable=True),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_activity_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity")),
    )
    op.create_index("ix_activity_customer_id_id", "activity", ["customer_id", "id"], unique=False)
    op.create_index("ix_activity_follow_up_on", "activity", ["follow_up_on"], unique=False)
    op.create_table(
        "ticket",
        sa.Column("id", sa.String(length=40), nullable=False),
        _customer_fk(),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=5000), nullable=True),
        sa.Column("assignee", sa.String(length=100), nullable=True),
        sa.Column("store_id", sa.String(length=64), nullable=True),
        sa.Column("resolution", sa.String(length=5000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_ticket_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket")),
    )
    op.create_index("ix_ticket_customer_id_id", "ticket", ["customer_id", "id"], unique=False)
    op.create_index("ix_ticket_status", "ticket", ["status"], unique=False)
    op.create_table(
        "ticket_task",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("ticket_id", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("assignee", sa.String(length=100), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name=op.f("fk_ticket_task_ticket_id_ticket")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_task")),
    )
    op.create_index("ix_ticket_task_ticket_id_id", "ticket_task", ["ticket_id", "id"], unique=False)


def downgrade() -> None:
    for table in (
        "ticket_task",
        "ticket",
        "activity",
        "contact",
        "maintenance_record",
        "mileage_reading",
        "vehicle",
    ):
        op.drop_table(table)
    with op.batch_alter_table("service_type") as batch:
        batch.drop_column("maintenance_interval_km")
        batch.drop_column("maintenance_interval_days")
