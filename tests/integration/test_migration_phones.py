"""Migration 0008 rewrites phones stored by earlier versions as E.164 and emails lower-cased,
so the duplicate check finds members created before it (on a fresh SQLite file)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.db.migrate import upgrade

ROWS = [
    ("cus_a", "13800138000", "Zhang.San@Example.com "),
    ("cus_b", "+8613900001111", "li@example.com"),
    ("cus_c", "0086-137-1234-5678", None),
    ("cus_d", "12345", None),  # not a valid number: kept as stored
    ("cus_e", None, None),
]


def test_stored_phones_and_emails_are_normalised(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url, "0001")
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO customer (id, name, kind, phase, status, relationship, tags, tier, balance, "
            "lifetime_points, lifetime_profit_points, lifetime_consumption_points, purchase_count, "
            "ledger_seq, created_at, updated_at, phone, email) VALUES (?, 'M', 'person', 'development', "
            "'active', 'customer', '[]', 'standard', 0, 0, 0, 0, 0, 0, '2026-01-01', '2026-01-01', ?, ?)",
            ROWS,
        )
    upgrade(url, "0008")
    with sqlite3.connect(path) as db:
        stored = db.execute("SELECT id, phone, email FROM customer ORDER BY id").fetchall()
    assert stored == [
        ("cus_a", "+8613800138000", "zhang.san@example.com"),
        ("cus_b", "+8613900001111", "li@example.com"),
        ("cus_c", "+8613712345678", None),
        ("cus_d", "12345", None),
        ("cus_e", None, None),
    ]
