"""Marketing settings (the member analysis rules' thresholds) and the bulk analysis state.

Both are single rows (id 1); an absent row means the defaults (docs/analysis.md).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "marketing_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("formation_from_purchases", sa.Integer(), nullable=False),
        sa.Column("stability_from_purchases", sa.Integer(), nullable=False),
        sa.Column("decline_after_days", sa.Integer(), nullable=False),
        sa.Column("value_share", sa.Integer(), nullable=False),
        sa.Column("trend_window_days", sa.Integer(), nullable=False),
        sa.Column("trend_change", sa.Integer(), nullable=False),
        sa.Column("problem_window_days", sa.Integer(), nullable=False),
        sa.Column("problem_refund_rate", sa.Integer(), nullable=False),
        sa.Column("problem_open_complaints", sa.Integer(), nullable=False),
        sa.Column("rfm_window_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketing_settings")),
    )
    op.create_table(
        "analysis_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value_cutoff", sa.BigInteger(), nullable=True),
        sa.Column("active_members", sa.Integer(), nullable=False),
        sa.Column("analysed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_state")),
    )


def downgrade() -> None:
    op.drop_table("analysis_state")
    op.drop_table("marketing_settings")
