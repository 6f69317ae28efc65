"""Background jobs: any use case enqueues one in its own transaction; `app.worker` runs them.

A job is leased for a while; the worker renews the lease as it progresses and a job whose
worker died is taken over when the lease runs out, so every handler must be idempotent and
resumable. A failing job is retried with a growing delay, then marked failed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Job
from app.models.base import new_id
from app.models.jobs import JobStatus
from app.repositories import jobs as repo

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 5


async def enqueue(session: AsyncSession, kind: str, payload: dict[str, Any], now: datetime) -> str:
    """Queue a job in the caller's transaction: it exists only if the caller commits."""
    job_id = new_id("job")
    values = {
        "id": job_id,
        "kind": kind,
        "payload": payload,
        "status": JobStatus.queued.value,
        "run_after": now,
        "attempts": 0,
        "created_at": now,
    }
    await repo.insert(session, values)
    return job_id


async def claim(session: AsyncSession, worker_id: str, now: datetime) -> Job | None:
    return await repo.claim(session, worker_id, now, LEASE)


async def renew(session: AsyncSession, job: Job, worker_id: str, now: datetime) -> bool:
    return await repo.renew(session, job.id, worker_id, now + LEASE)


async def complete(session: AsyncSession, job: Job, worker_id: str, now: datetime) -> None:
    await repo.finish(session, job.id, worker_id, {"status": JobStatus.done.value, "finished_at": now})


async def release(session: AsyncSession, job: Job, worker_id: str, now: datetime) -> None:
    """Hand an unfinished job back (the worker is stopping): any worker may resume it at once."""
    values = {"status": JobStatus.queued.value, "lease_until": None, "run_after": now}
    await repo.finish(session, job.id, worker_id, values)


async def fail(session: AsyncSession, job: Job, worker_id: str, error: str, now: datetime) -> None:
    """Retry later (1, 2, 4 … minutes) until MAX_ATTEMPTS, then give up and keep the error."""
    values: dict[str, Any] = {"last_error": error[:2000], "lease_until": None}
    if job.attempts >= MAX_ATTEMPTS:
        values |= {"status": JobStatus.failed.value, "finished_at": now}
    else:
        values |= {
            "status": JobStatus.queued.value,
            "run_after": now + timedelta(minutes=2 ** (job.attempts - 1)),
        }
    await repo.finish(session, job.id, worker_id, values)


async def get_job(session: AsyncSession, job_id: str) -> Job | None:
    return await repo.get(session, job_id)
