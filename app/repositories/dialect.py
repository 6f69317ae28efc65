"""INSERT … ON CONFLICT DO NOTHING on both supported backends, built once per table."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert


@cache
def _insert_ignore(dialect: str, table: Table) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing()


def insert_ignore(session: AsyncSession, table: Table) -> Insert:
    """An insert that does nothing when a unique key already exists; pass the row at execute
    time (a statement built with `.values()` is rebuilt and re-coerced on every call)."""
    return _insert_ignore(session.get_bind().dialect.name, table)
