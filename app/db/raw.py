"""A raw asyncpg pool beside SQLAlchemy's, for the hot paths only (tier read, posting).

Exists only for speed: on this machine a statement through SQLAlchemy's `AsyncSession` costs
about 0.5 ms of CPU, through asyncpg alone about 90 µs (bench/RESULTS.md). Everything else
keeps the ORM. There is none on SQLite or behind PgBouncer: the hot paths then take the
ordinary route. Connections are stateless between uses (single statements in autocommit, or
a transaction that ends before release), so the per-release reset query is skipped.
"""

from __future__ import annotations

import asyncpg
from sqlalchemy.engine import make_url

from app.settings import Settings


async def _no_reset(_conn: asyncpg.Connection) -> None:
    return None


async def create_raw_pool(settings: Settings) -> asyncpg.Pool | None:
    """The worker's raw pool (opened on first use), or None where the hot paths use the ORM."""
    if settings.is_sqlite or settings.pgbouncer:
        return None
    url = make_url(settings.database_url).set(drivername="postgresql")
    pool: asyncpg.Pool = asyncpg.create_pool(
        url.render_as_string(hide_password=False),
        min_size=0,
        max_size=settings.pool_size,
        reset=_no_reset,
        server_settings={"application_name": "crm-hot"},
    )
    await pool
    return pool
