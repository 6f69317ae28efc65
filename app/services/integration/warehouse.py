"""Warehouse export: members, purchases, purchase lines and ledger entries as Parquet by month.

Each dataset is written as Hive-style partitions, `<out>/<dataset>/month=YYYY-MM/part-0.parquet`,
by the month (UTC) of its date column: a member's sign-up, a purchase's (and its lines')
`occurred_at`, a ledger entry's `created_at`. Money and points are exact decimals
(`decimal(14,2)`), rates `decimal(6,4)`, timestamps UTC. A partition is rebuilt whole from the
database and replaced atomically only when its bytes differ from the file already there, so a
re-run rewrites nothing that did not change, and readers never see half a file. Contact
details (name, phone, email, address, birthday, notes) are left out: a warehouse is read more
widely than the API; join back by `id` or `external_ref`. docs/warehouse.md has the schema.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from app.repositories.integration import warehouse as rows

MONEY = pa.decimal128(14, 2)
RATE = pa.decimal128(6, 4)
TIME = pa.timestamp("us", tz="UTC")
TEXT = pa.string()


@dataclass(frozen=True)
class Dataset:
    name: str
    month_column: str
    schema: pa.Schema
    query: Callable[[Sequence[str], datetime | None], Select[Any]]


TYPES = {
    "text": TEXT,
    "money": MONEY,
    "rate": RATE,
    "time": TIME,
    "int": pa.int64(),
    "bool": pa.bool_(),
    "texts": pa.list_(TEXT),
}


def _schema(spec: str) -> pa.Schema:
    """Columns as `name:type` words, in file order; the types are the keys of TYPES."""
    return pa.schema([pa.field(name, TYPES[kind]) for name, kind in (w.split(":") for w in spec.split())])


DATASETS = (
    Dataset(
        "members",
        "created_at",
        _schema("""
            id:text external_ref:text kind:text phase:text status:text relationship:text tier:text
            gender:text province:text city:text industry:text source:text store_id:text sales_rep:text
            tags:texts balance:money lifetime_points:money lifetime_profit_points:money
            lifetime_consumption_points:money purchase_count:int last_purchase_at:time created_at:time
            updated_at:time deleted_at:time
        """),
        rows.members,
    ),
    Dataset(
        "purchases",
        "occurred_at",
        _schema("""
            id:text customer_id:text store_id:text external_id:text occurred_at:time created_at:time
            phase:text x:rate rebate_rate:rate tier_before:text tier_after:text amount:money rebate:money
            payable:money profit_points:money consumption_points:money points:money
            refunded_amount:money reversed_points:money
        """),
        rows.purchases,
    ),
    Dataset(
        "purchase_lines",
        "occurred_at",
        _schema("""
            purchase_id:text customer_id:text store_id:text occurred_at:time line_no:int
            service_type:text description:text amount:money margin:rate weight:rate list_profit:money
            rebate:money paid:money profit_points:money consumption_points:money refunded_amount:money
            reversed_profit_points:money reversed_consumption_points:money
        """),
        rows.purchase_lines,
    ),
    Dataset(
        "ledger_entries",
        "created_at",
        _schema("""
            id:text customer_id:text entry_no:int kind:text points:money balance_after:money
            lifetime_after:money counts_toward_tier:bool profit_points:money consumption_points:money
            x:rate rebate:money tier_before:text tier_after:text transaction_id:text refund_id:text
            reverses_id:text reason:text created_at:time
        """),
        rows.ledger_entries,
    ),
)


@dataclass(frozen=True)
class Partition:
    dataset: str
    month: str
    rows: int
    written: bool


def month_start(value: datetime) -> datetime:
    """The first instant (UTC) of `value`'s month: partitions are only ever rebuilt whole."""
    return value.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


async def export(session: AsyncSession, out: Path, since: datetime | None = None) -> list[Partition]:
    """Write every partition from `since`'s month on (all when None); report each one.

    Run it in a transaction (PostgreSQL streams through a cursor); REPEATABLE READ gives every
    dataset the same snapshot.
    """
    start = month_start(since) if since else None
    report: list[Partition] = []
    for dataset in DATASETS:
        month = ""
        batch: list[dict[str, Any]] = []
        async for row in rows.stream(session, dataset.query(dataset.schema.names, start)):
            row_month = row[dataset.month_column].astimezone(UTC).strftime("%Y-%m")
            if batch and row_month != month:
                report.append(_write(out, dataset, month, batch))
                batch = []
            month = row_month
            batch.append(row)
        if batch:
            report.append(_write(out, dataset, month, batch))
    return report


def _write(out: Path, dataset: Dataset, month: str, batch: list[dict[str, Any]]) -> Partition:
    table = pa.Table.from_pylist(batch, schema=dataset.schema)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    data = sink.getvalue().to_pybytes()
    path = out / dataset.name / f"month={month}" / "part-0.parquet"
    if path.exists() and path.read_bytes() == data:
        return Partition(dataset.name, month, len(batch), written=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".part-0.parquet.{os.getpid()}.tmp")
    staging.write_bytes(data)
    os.replace(staging, path)
    return Partition(dataset.name, month, len(batch), written=True)
