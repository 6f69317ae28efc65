"""The job table: enqueue, claim with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL), renew, finish."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Job
from app.models.jobs import JobStatus
from app.repositories import tables

t = tables.job


async def insert(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(t.insert(), values)


async def claim(session: AsyncSession, worker_id: str, now: datetime, lease: timedelta) -> Job | None:
    """Lease the oldest due job, or one whose worker's lease ran out; other workers skip it.

    SQLite has one writer at a time, so the plain UPDATE is already exclusive there.
    """
    due = or_(
        and_(t.c.status == JobStatus.queued.value, t.c.run_after <= now),
        and_(t.c.status == JobStatus.running.value, t.c.lease_until < now),
    )
    pick = select(t.c.id).where(due).order_by(t.c.run_after).limit(1).with_for_update(skip_locked=True)
    stmt = (
        update(t)
        .where(t.c.id == pick.scalar_subquery())
        .values(
            status=JobStatus.running.value,
            lease_until=now + lease,
            worker_id=worker_id,
            attempts=t.c.attempts + 1,
        )
        .returning(t)
    )
    row = (await session.execute(stmt)).first()
    return Job.model_validate(row._mapping) if row else None


async def renew(session: AsyncSession, job_id: str, worker_id: str, until: datetime) -> bool:
    """Extend our lease; False when the job is no longer ours (another worker took it over)."""
    stmt = (
        update(t)
        .where(t.c.id == job_id, t.c.worker_id == worker_id, t.c.status == JobStatus.running.value)
        .values(lease_until=until)
        .returning(t.c.id)
    )
    return (await session.execute(stmt)).first() is not None


async def finish(session: AsyncSession, job_id: str, worker_id: str, values: dict[str, Any]) -> None:
    await session.execute(update(t).where(t.c.id == job_id, t.c.worker_id == worker_id).values(**values))


async def get(session: AsyncSession, job_id: str) -> Job | None:
    row = (await session.execute(select(t).where(t.c.id == job_id))).first()
    return Job.model_validate(row._mapping) if row else None
