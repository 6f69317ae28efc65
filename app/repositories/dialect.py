"""INSERT … ON CONFLICT DO NOTHING on both supported backends."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert


def insert_ignore(session: AsyncSession, table: Table, values: dict[str, Any]) -> Insert:
    """An insert that does nothing when a unique key already exists (the caller checks RETURNING)."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        return postgresql.insert(table).values(values).on_conflict_do_nothing()
    return sqlite.insert(table).values(values).on_conflict_do_nothing()
