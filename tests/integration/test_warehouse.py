"""`crm export warehouse`: Parquet by month that DuckDB reads and that reconciles with the API."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import httpx
from fastapi import FastAPI

from app.services.integration import warehouse
from tests.conftest import SECRET
from tests.helpers import line, new_member, post, purchase
from tests.integration.test_cli import crm


async def export(app: FastAPI, out: Path, since: Any = None) -> dict[str, bool]:
    async with app.state.db.unit_of_work() as uow:  # a transaction: PostgreSQL streams through a cursor
        report = await warehouse.export(uow.session, out, since)
    return {f"{p.dataset}/{p.month}": p.written for p in report}


def files(out: Path, pattern: str = "*.parquet") -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in out.rglob(pattern)}


def query(out: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect() as db:
        for dataset in ("members", "purchases", "purchase_lines", "ledger_entries"):
            db.execute(
                f"CREATE VIEW {dataset} AS SELECT * FROM read_parquet('{out}/{dataset}/*/*.parquet',"
                " hive_partitioning = true)"
            )
        return db.execute(sql).fetchall()


async def _history(client: httpx.AsyncClient, admin: dict[str, str]) -> list[dict[str, Any]]:
    a = await new_member(client, admin, name="Warehouse A")
    b = await new_member(client, admin, name="Warehouse B")
    posted = []
    for member, when in (
        (a, "2026-09-15T10:00:00+08:00"),
        (a, "2026-10-20T10:00:00+08:00"),
        (b, "2026-10-01T00:30:00+08:00"),
    ):
        body = purchase(
            member["id"], line("maintenance", "1000.00", "0.35"), line("parts", "2000.00"), occurred_at=when
        )
        response = await post(client, admin, body)
        assert response.status_code == 201, response.text
        posted.append(response.json())
    refund = await client.post(
        f"/v1/transactions/{posted[1]['id']}/refunds",
        json={"lines": [{"line_no": 1, "amount": "400.00"}]},
        headers=admin,
    )
    assert refund.status_code == 201, refund.text
    return [a, b]


async def test_export_reconciles_with_the_api_and_duckdb_reads_it(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str], tmp_path: Path
) -> None:
    members = await _history(client, admin)
    written = await export(app, tmp_path)
    assert all(written.values())
    # 2026-10-01T00:30+08:00 is still September in UTC: partitions follow the UTC month.
    assert {"purchases/2026-09", "purchases/2026-10", "purchase_lines/2026-09"} <= written.keys()
    assert query(tmp_path, "SELECT month, count(*) FROM purchases GROUP BY month ORDER BY month") == [
        ("2026-09", 2),
        ("2026-10", 1),
    ]
    for member in members:
        api = (await client.get(f"/v1/customers/{member['id']}/points", headers=admin)).json()
        ((balance, lifetime),) = query(
            tmp_path,
            f"SELECT sum(points), sum(points) FILTER (WHERE counts_toward_tier) FROM ledger_entries"
            f" WHERE customer_id = '{member['id']}'",
        )
        assert (balance, lifetime) == (Decimal(api["balance"]), Decimal(api["lifetime_points"]))
        ((snapshot,),) = query(tmp_path, f"SELECT balance FROM members WHERE id = '{member['id']}'")
        assert snapshot == Decimal(api["balance"])
    listed = (await client.get("/v1/transactions", params={"limit": 500}, headers=admin)).json()["items"]
    ((amount, refunded, payable),) = query(
        tmp_path, "SELECT sum(amount), sum(refunded_amount), sum(payable) FROM purchases"
    )
    assert amount == sum(Decimal(t["amount"]) for t in listed)
    assert refunded == Decimal("400.00") and payable == sum(Decimal(t["payable"]) for t in listed)
    mismatched = query(
        tmp_path,
        "SELECT p.id FROM purchases p JOIN purchase_lines l ON l.purchase_id = p.id"
        " GROUP BY p.id, p.amount, p.refunded_amount HAVING sum(l.amount) <> p.amount"
        " OR sum(l.refunded_amount) <> p.refunded_amount",
    )
    assert mismatched == []


async def test_a_rerun_rewrites_only_the_partitions_that_changed(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str], tmp_path: Path
) -> None:
    a, _ = await _history(client, admin)
    await export(app, tmp_path)
    before = files(tmp_path)
    assert not any((await export(app, tmp_path)).values())
    assert files(tmp_path) == before

    body = purchase(a["id"], line("parts", "100.00"), occurred_at="2026-10-25T12:00:00+00:00")
    assert (await post(client, admin, body)).status_code == 201
    rerun = await export(app, tmp_path)
    changed = {key for key, written in rerun.items() if written}
    assert {"purchases/2026-10", "purchase_lines/2026-10"} <= changed
    assert "purchases/2026-09" not in changed and "purchase_lines/2026-09" not in changed
    assert not files(tmp_path, "*.tmp")


async def test_since_rebuilds_only_from_that_month(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str], tmp_path: Path
) -> None:
    await _history(client, admin)
    partial = await export(app, tmp_path, datetime(2026, 10, 9, tzinfo=UTC))
    assert "purchases/2026-10" in partial and "purchases/2026-09" not in partial
    assert not (tmp_path / "purchases" / "month=2026-09").exists()


async def test_the_command_line_exports_the_database(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str], migrated: str, tmp_path: Path
) -> None:
    await _history(client, admin)
    env = {"CRM_DATABASE_URL": migrated, "CRM_SECRET_KEY": SECRET}
    first = crm("export", "warehouse", "--out", str(tmp_path), "--since", "2026-09", env=env)
    assert "purchases/month=2026-09\t2 rows\twritten" in first
    again = crm("export", "warehouse", "--out", str(tmp_path), env=env)
    assert "0 partition(s) written" in again
