"""CSV import and export: validated first, all or nothing, idempotent, exact points, Excel-safe."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.models.base import utcnow
from app.services.crm import exports, imports
from app.services.crm.csv_rows import ImportRefused, decode
from tests.conftest import SECRET
from tests.helpers import line, new_member, post, purchase

ROOT = Path(__file__).parents[2]
BOM = "\ufeff"
CUSTOMERS = (
    BOM + "name,external_ref,phone,email,birthday,kind,tags,city\n"
    "张三,DMS-1,+86 138 0013 8000,zhang@example.com,1985-04-12,person,vip;suv,深圳\n"
    "深圳顺达物流有限公司,DMS-2,,fleet@shunda.example.com,,company,,深圳\n"
    '=HYPERLINK("http://evil"),DMS-3,,,,,,\n'
)
TRANSACTIONS = (
    "customer_ref,store_id,external_id,occurred_at,service_type,description,amount,margin,cost\n"
    "DMS-1,dealer-01,R-1,2026-11-01T10:00:00+08:00,maintenance,10k km service,1000.00,0.35,\n"
    "DMS-1,dealer-01,R-1,2026-11-01T10:00:00+08:00,parts,,2000.00,,\n"
    "DMS-2,dealer-01,R-2,2026-11-02T10:00:00+08:00,repair,,4200.00,,2940.00\n"
)


async def _import(app: FastAPI, kind: str, text: str) -> imports.ImportResult:
    seen: list[tuple[int, int]] = []
    if kind == "customers":
        rows = imports.customer_rows(decode(text.encode()))
        result = await app.state.db.run(
            lambda s: imports.import_customers(s, rows, lambda *p: seen.append(p), utcnow())
        )
    else:
        rows = imports.transaction_rows(decode(text.encode()))
        result = await app.state.db.run(
            lambda s: imports.import_transactions(s, rows, lambda *p: seen.append(p), utcnow())
        )
    assert seen and seen[-1][0] == seen[-1][1]  # the progress reached the end
    return result  # type: ignore[no-any-return]


async def _members(client: httpx.AsyncClient, admin: dict[str, str]) -> list[dict[str, Any]]:
    return (await client.get("/v1/customers", headers=admin)).json()["items"]  # type: ignore[no-any-return]


async def test_customers_import_once_with_chinese_names(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    first = await _import(app, "customers", CUSTOMERS)
    assert (first.added, first.skipped) == (3, 0)
    again = await _import(app, "customers", CUSTOMERS)
    assert (again.added, again.skipped) == (0, 3)
    members = {m["external_ref"]: m for m in await _members(client, admin)}
    assert len(members) == 3
    zhang = members["DMS-1"]
    assert (zhang["name"], zhang["phone"], zhang["tags"], zhang["city"]) == (
        "张三",
        "+8613800138000",
        ["vip", "suv"],
        "深圳",
    )
    assert members["DMS-2"]["kind"] == "company"


async def test_a_bad_row_imports_nothing_and_names_line_and_field(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await new_member(client, admin, name="Existing", phone="13900000000")
    bad = (
        "name,external_ref,phone,birthday,kind\n"
        "Good,X-1,,,\n"
        ",X-2,,,\n"  # line 3: no name
        "Bad date,X-3,,1985-13-01,\n"  # line 4
        "Bad kind,X-4,,,robot\n"  # line 5
        "Twin,X-1,,,\n"  # line 6: repeats X-1
        "No ref,,,,\n"  # line 7
    )
    with pytest.raises(ImportRefused) as refused:
        await _import(app, "customers", bad)
    found = {(p.line, p.field) for p in refused.value.problems}
    assert found == {(3, "name"), (4, "birthday"), (5, "kind"), (6, "external_ref"), (7, "external_ref")}
    clash = "name,external_ref,phone\nOk,Y-1,\nClash,Y-2,139 0000 0000\n"
    with pytest.raises(ImportRefused) as duplicate:
        await _import(app, "customers", clash)
    assert [(p.line, p.field) for p in duplicate.value.problems] == [(3, "phone")]
    assert [m["name"] for m in await _members(client, admin)] == ["Existing"]  # nothing of either file


def test_unknown_columns_and_bad_bytes_are_refused() -> None:
    with pytest.raises(ImportRefused) as unknown:
        imports.customer_rows("name,external_ref,shoe_size\nA,B,42\n")
    assert [(p.line, p.field) for p in unknown.value.problems] == [(1, "shoe_size")]
    with pytest.raises(ImportRefused) as missing:
        imports.transaction_rows("store_id,external_id\n")
    assert {p.field for p in missing.value.problems} == {"service_type", "amount"}
    with pytest.raises(ImportRefused) as binary:
        decode(b"name,external_ref\nA,B\n" + b"\xff\xfe,C\n")
    assert binary.value.problems[0].line == 3


async def test_transactions_post_exactly_like_the_api_and_once(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await _import(app, "customers", CUSTOMERS)
    result = await _import(app, "transactions", TRANSACTIONS)
    assert (result.added, result.skipped) == (2, 0)
    assert (await _import(app, "transactions", TRANSACTIONS)).added == 0
    twin = await new_member(client, admin)
    by_api = await post(
        client, admin, purchase(twin["id"], line("maintenance", "1000.00", "0.35"), line("parts", "2000.00"))
    )
    members = {m["external_ref"]: m for m in await _members(client, admin)}
    imported = (await client.get(f"/v1/customers/{members['DMS-1']['id']}/points", headers=admin)).json()
    assert Decimal(imported["balance"]) == Decimal(by_api.json()["points"])
    ledger = (await client.get(f"/v1/customers/{members['DMS-2']['id']}/points/ledger", headers=admin)).json()
    assert [e["kind"] for e in ledger["items"]] == ["earn"]


async def test_bad_transaction_rows_post_nothing(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await _import(app, "customers", CUSTOMERS)
    bad = (
        "customer_ref,store_id,external_id,service_type,amount,margin\n"
        "DMS-1,dealer-01,R-1,maintenance,1000.00,\n"
        "DMS-1,dealer-01,R-2,maintenance,12.345,\n"  # line 3: 3 decimal places
        "DMS-1,dealer-01,R-3,maintenance,100.00,0.35\n"
        "DMS-9,dealer-01,R-4,maintenance,100.00,\n"  # line 5: unknown member
        "DMS-1,dealer-01,R-5,teleport,100.00,\n"  # line 6: unknown service type
        "DMS-1,dealer-01,R-6,parts,10.00,\n"
        "DMS-1,dealer-01,R-6,teleport,10.00,\n"  # line 8: the second line of R-6
    )
    with pytest.raises(ImportRefused) as syntax:
        await _import(app, "transactions", bad)
    assert [(p.line, p.field) for p in syntax.value.problems] == [(3, "amount")]
    fixed = bad.replace("12.345", "12.34")
    with pytest.raises(ImportRefused) as refs:
        await _import(app, "transactions", fixed)
    assert [(p.line, p.field) for p in refs.value.problems] == [
        (5, "customer_ref"),
        (6, "service_type"),
        (8, "service_type"),
    ]
    members = {m["external_ref"]: m for m in await _members(client, admin)}
    assert (await client.get(f"/v1/customers/{members['DMS-1']['id']}/points", headers=admin)).json()[
        "balance"
    ] == "0.00"


async def test_exports_open_safely_in_excel(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await _import(app, "customers", CUSTOMERS)
    await _import(app, "transactions", TRANSACTIONS)
    out: list[list[str]] = []
    count = await app.state.db.run(lambda s: exports.export_customers(s, out.append, lambda *_: None))
    assert count == 3 and out[0][:3] == ["id", "external_ref", "name"]
    names = {row[1]: row[2] for row in out[1:]}
    assert names["DMS-1"] == "张三" and names["DMS-3"] == '\'=HYPERLINK("http://evil")'
    ledger: list[list[str]] = []
    await app.state.db.run(lambda s: exports.export_ledger(s, ledger.append, lambda *_: None))
    assert len(ledger) == 3 and ledger[0][4] == "points"
    assert all(Decimal(row[4]) > 0 for row in ledger[1:])
    members = {m["external_ref"]: m for m in await _members(client, admin)}
    redeem = await client.post(
        f"/v1/customers/{members['DMS-1']['id']}/points/redemptions", json={"points": "10.00"}, headers=admin
    )
    assert redeem.status_code == 201, redeem.text
    ledger.clear()
    await app.state.db.run(lambda s: exports.export_ledger(s, ledger.append, lambda *_: None))
    assert "-10.00" in [row[4] for row in ledger]  # numbers are not taken for formulas


def _crm(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], env={**os.environ, **env}, cwd=ROOT,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


async def test_cli_import_and_export(app: FastAPI, migrated: str, tmp_path: Path) -> None:
    env = {"CRM_DATABASE_URL": migrated, "CRM_SECRET_KEY": SECRET}
    source = tmp_path / "members.csv"
    source.write_text(CUSTOMERS, encoding="utf-8")
    done = _crm("import", "customers", str(source), env=env)
    assert done.returncode == 0, done.stderr
    assert "3 added" in done.stdout and "importing customers [" in done.stderr and "3/3" in done.stderr
    assert "0 added, 3 already present" in _crm("import", "customers", str(source), env=env).stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("name,external_ref\n,Z-1\n", encoding="utf-8")
    refused = _crm("import", "customers", str(bad), env=env)
    assert refused.returncode == 1 and f"{bad}:2: name:" in refused.stderr
    out = tmp_path / "export.csv"
    exported = _crm("export", "customers", "--out", str(out), env=env)
    assert exported.returncode == 0, exported.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert {r["name"] for r in rows} >= {"张三", '\'=HYPERLINK("http://evil")'}
    again = _crm("import", "customers", str(out), env=env)  # an export imports back as nothing new
    assert again.returncode == 0 and "0 added, 3 already present" in again.stdout
