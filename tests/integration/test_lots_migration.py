"""Migration 0004 gives every balance held before it one opening lot, so the lots add up."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.db.migrate import upgrade


def test_balances_held_before_become_opening_lots(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url, "0001")
    with sqlite3.connect(path) as db:
        for member, balance in (("cus_a", 123456), ("cus_b", 0), ("cus_c", -500)):
            db.execute(
                "INSERT INTO customer (id, name, kind, phase, status, relationship, tags, tier, balance,"
                " lifetime_points, lifetime_profit_points, lifetime_consumption_points, purchase_count,"
                " ledger_seq, created_at, updated_at) VALUES (?, 'Old', 'individual', 'maintenance',"
                " 'active', 'customer', '[]', 'standard', ?, 0, 0, 0, 0, 0,"
                " '2025-01-01 00:00:00', '2025-06-01 00:00:00')",
                (member, balance),
            )
    upgrade(url)
    with sqlite3.connect(path) as db:
        lots = db.execute(
            "SELECT customer_id, kind, points, remaining, expires_at FROM points_lot"
        ).fetchall()
    assert lots == [("cus_a", "opening", 123456, 123456, None)]
