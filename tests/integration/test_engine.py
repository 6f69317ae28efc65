"""Engine settings that durability depends on."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import text


async def test_sqlite_runs_durable_wal_with_a_busy_timeout(app: FastAPI, is_postgres: bool) -> None:
    if is_postgres:
        pytest.skip("SQLite pragmas")

    async def pragmas(session) -> list[object]:  # type: ignore[no-untyped-def]
        return [
            (await session.execute(text(f"PRAGMA {name}"))).scalar()
            for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")
        ]

    assert await app.state.db.run(pragmas) == ["wal", 2, 10_000, 1]


async def test_postgres_runs_read_committed_as_the_locking_assumes(app: FastAPI, is_postgres: bool) -> None:
    if not is_postgres:
        pytest.skip("PostgreSQL isolation")

    async def isolation(session) -> object:  # type: ignore[no-untyped-def]
        return (await session.execute(text("SHOW transaction_isolation"))).scalar()

    assert await app.state.db.run(isolation) == "read committed"
