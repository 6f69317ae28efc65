"""Upgrading a database that already names stores creates those stores (no data left dangling)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.db.migrate import upgrade


def _insert(db: sqlite3.Connection, table: str, given: dict[str, str | None]) -> None:
    """A row with `given` values and a placeholder for every other NOT NULL column."""
    values: dict[str, object] = dict(given)
    for _, name, kind, notnull, default, _ in db.execute(f"PRAGMA table_info({table})"):
        if name in values or not notnull or default is not None:
            continue
        kind = kind.upper()
        values[name] = (
            0
            if "INT" in kind
            else "[]"
            if kind == "JSON"
            else "2026-01-01 00:00:00.000000"
            if "DATE" in kind
            else f"{name}-x"
        )
    names = ", ".join(values)
    db.execute(
        f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in values)})", list(values.values())
    )


def test_existing_store_ids_become_stores(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url, "0001")
    with sqlite3.connect(path) as db:
        _insert(db, "customer", {"id": "cus_1", "store_id": "legacy-a"})
        _insert(db, "purchase", {"id": "txn_1", "customer_id": "cus_1", "store_id": "legacy-b"})
        _insert(db, "api_key", {"id": "key_1", "store_id": "legacy-c"})
        _insert(db, "api_key", {"id": "key_2", "store_id": None, "key_hash": "other"})
    upgrade(url)
    with sqlite3.connect(path) as db:
        stores = db.execute("SELECT code, name, active FROM store ORDER BY code").fetchall()
    assert stores == [("legacy-a", "legacy-a", 1), ("legacy-b", "legacy-b", 1), ("legacy-c", "legacy-c", 1)]
