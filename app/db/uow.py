"""Units of work: one session per request (or job), committed before the response is sent.

A write use case that loses a lock race (PostgreSQL deadlock or serialization failure,
SQLite busy past its timeout) is rolled back and run again a few times; when contention
outlasts the retries the caller gets 503 with Retry-After, never a 500. Read-only requests
run outside a transaction (AUTOCOMMIT): no BEGIN/COMMIT round trips.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain.errors import Busy

T = TypeVar("T")
UseCase = Callable[[AsyncSession], Awaitable[T]]

RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}


def is_contention(exc: DBAPIError) -> bool:
    """A lost race that a fresh attempt can win."""
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "__cause__", None), "sqlstate", None)
    if sqlstate in RETRYABLE_SQLSTATES:
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(exc)


class UnitOfWork:
    """The request's session: `read` for queries, `run` for a use case that writes."""

    def __init__(
        self, open_session: Callable[[], AsyncSession], retries: int, *, read_only: bool = False
    ) -> None:
        self._open = open_session
        self._session: AsyncSession | None = None
        self._retries = max(1, retries)
        self._read_only = read_only

    @property
    def session(self) -> AsyncSession:
        """Opened on first use (exists only for speed: a request served from caches or by a raw
        hot path never builds one)."""
        if self._session is None:
            self._session = self._open()
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def commit(self) -> None:
        """Make what was written so far durable (read-only sessions autocommit already)."""
        if not self._read_only:
            await self.session.commit()

    async def read(self, use_case: UseCase[T]) -> T:
        return await use_case(self.session)

    async def run(self, use_case: UseCase[T]) -> T:
        """Run `use_case` and commit it; on contention roll back and run it again."""
        for attempt in range(self._retries):
            try:
                result = await use_case(self.session)
                await self.session.commit()
                return result
            except DBAPIError as exc:
                await self.session.rollback()
                if not is_contention(exc):
                    raise
            await asyncio.sleep(random.uniform(0, 0.01 * 2**attempt))
        raise Busy("the database is busy with concurrent updates of the same data; retry shortly")


class Database:
    """Sessions for requests, jobs and the CLI."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], retries: int) -> None:
        self._sessionmaker = sessionmaker
        self.retries = retries
        bind = sessionmaker.kw.get("bind")
        options = {k: v for k, v in sessionmaker.kw.items() if k != "bind"}
        # Exists only for speed: a read connects on its first statement (in AUTOCOMMIT) instead
        # of checking a connection out up front.
        self._reader = (
            async_sessionmaker(bind.execution_options(isolation_level="AUTOCOMMIT"), **options)
            if bind is not None
            else sessionmaker
        )

    def new_unit_of_work(self, *, read_only: bool = False) -> UnitOfWork:
        """A unit of work the caller closes (`unit_of_work` closes it for you)."""
        return UnitOfWork(
            self._reader if read_only else self._sessionmaker, self.retries, read_only=read_only
        )

    @asynccontextmanager
    async def unit_of_work(self, *, read_only: bool = False) -> AsyncIterator[UnitOfWork]:
        uow = self.new_unit_of_work(read_only=read_only)
        try:
            yield uow
        finally:
            await uow.close()

    async def run(self, use_case: UseCase[T]) -> T:
        """A one-off write use case in its own session (CLI, jobs, tests)."""
        async with self.unit_of_work() as uow:
            return await uow.run(use_case)
