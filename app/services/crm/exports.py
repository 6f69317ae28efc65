"""Exports for spreadsheets: every live member, or the whole points ledger, row by row.

Rows are read in batches in id order (memory stays flat on any size); text cells are
escaped against formula injection, numbers and dates are written as they are.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, Table
from sqlalchemy.ext.asyncio import AsyncSession

from app.repositories import tables
from app.repositories.crm import rows
from app.services.crm.csv_rows import cell

BATCH = 1000
CUSTOMER_COLUMNS = [
    "id", "external_ref", "name", "kind", "phase", "phone", "email", "birthday", "gender", "address",
    "province", "city", "industry", "source", "status", "relationship", "sales_rep", "store_id", "tags",
    "notes", "tier", "balance", "lifetime_points", "lifetime_profit_points", "lifetime_consumption_points",
    "purchase_count", "last_purchase_at", "created_at", "updated_at",
]  # fmt: skip
LEDGER_COLUMNS = [
    "id", "customer_id", "entry_no", "kind", "points", "balance_after", "lifetime_after",
    "counts_toward_tier", "profit_points", "consumption_points", "x", "rebate", "tier_before",
    "tier_after", "transaction_id", "refund_id", "reverses_id", "reason", "api_key_id", "created_at",
]  # fmt: skip

Write = Callable[[list[str]], None]
Progress = Callable[[int, int], None]


async def _export(
    session: AsyncSession,
    table: Table,
    where: list[ColumnElement[bool]],
    columns: list[str],
    write: Write,
    progress: Progress,
) -> int:
    total = await rows.count(session, table, where)
    write(columns)
    done, after = 0, None
    while found := await rows.batch(session, table, where, after, BATCH):
        for row in found:
            write([cell(row[c]) for c in columns])
        done += len(found)
        after = found[-1]["id"]
        progress(done, total)
    return done


async def export_customers(session: AsyncSession, write: Write, progress: Progress) -> int:
    """Every live member (its import columns first, then its figures); returns how many."""
    t = tables.customer
    return await _export(session, t, [t.c.deleted_at.is_(None)], CUSTOMER_COLUMNS, write, progress)


async def export_ledger(session: AsyncSession, write: Write, progress: Progress) -> int:
    """Every ledger entry in the order it was written; returns how many."""
    return await _export(session, tables.ledger_entry, [], LEDGER_COLUMNS, write, progress)
