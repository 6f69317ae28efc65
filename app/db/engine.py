"""Engine construction for the embedded SQLite default and for PostgreSQL.

SQLite runs in WAL mode with `synchronous=FULL` and a busy timeout, and every transaction
takes the write lock up front (`BEGIN IMMEDIATE`) so two writers never deadlock on a lock
upgrade. Reads that need no transaction use AUTOCOMMIT and skip it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from app.settings import Settings, sqlite_path

SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy, not the driver, issues BEGIN
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "synchronous=FULL",
        f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
        "foreign_keys=ON",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(settings: Settings) -> AsyncEngine:
    """The process's engine; built in the app's lifespan or by a CLI command.

    Errors never carry the statement's parameters (customer data) into logs or tracebacks.
    No overflow: a request waiting briefly for a pooled connection costs far less than
    opening (and on return closing) one more connection under load; one that waits longer
    than `pool_timeout` is answered 503.
    """
    pool = {"pool_size": settings.pool_size, "max_overflow": 0, "pool_timeout": settings.pool_timeout}
    if settings.is_sqlite:
        in_memory = sqlite_path(settings.database_url) is None  # one shared connection, no pool
        engine = create_async_engine(
            settings.database_url,
            connect_args={"timeout": 30},
            hide_parameters=True,
            **({} if in_memory else pool),
        )
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(settings.database_url, hide_parameters=True, **pool)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False, autoflush=False)
