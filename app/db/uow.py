"""The unit of work: one session per attempt, committed before the response is sent.

A use case that loses a lock race (PostgreSQL deadlock or serialization failure, SQLite
busy past its timeout) is rolled back and run again a few times; when contention outlasts
the retries the caller gets 503 with Retry-After, never a 500.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain.errors import Busy

T = TypeVar("T")

RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}


def is_contention(exc: DBAPIError) -> bool:
    """A lost race that a fresh attempt can win."""
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "__cause__", None), "sqlstate", None)
    if sqlstate in RETRYABLE_SQLSTATES:
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(exc)


class UnitOfWork:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], retries: int) -> None:
        self._sessionmaker = sessionmaker
        self._retries = max(1, retries)

    async def read(self, use_case: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run a read-only use case outside a transaction (no BEGIN/COMMIT round trips)."""
        async with self._sessionmaker() as session:
            await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            return await use_case(session)

    async def run(self, use_case: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run `use_case` in one transaction and commit it; retry it on contention."""
        for attempt in range(self._retries):
            async with self._sessionmaker() as session:
                try:
                    result = await use_case(session)
                    await session.commit()
                    return result
                except DBAPIError as exc:
                    await session.rollback()
                    if not is_contention(exc):
                        raise
            await asyncio.sleep(random.uniform(0, 0.01 * 2**attempt))
        raise Busy("the database is busy with concurrent updates of the same data; retry shortly")
