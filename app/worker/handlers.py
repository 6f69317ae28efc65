"""Job handlers by kind: each calls services like a router does, in short transactions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Job
from app.models.base import utcnow
from app.services import jobs
from app.services.finance.settlement_runs import finish_run, settle_next, start_run
from app.services.finance.settlements import JOB_KIND as SETTLEMENT_JOB
from app.services.marketing.campaign_execution import JOB_KIND as CAMPAIGN_JOB
from app.services.marketing.campaign_execution import award_batch, finish_execution

if TYPE_CHECKING:
    from app.worker.runner import Worker


class LeaseLost(Exception):
    """Another worker took the job over: stop without touching it."""


class Interrupted(Exception):
    """The worker is stopping: hand the job back, unfinished, for any worker to resume."""


async def run_settlement(worker: Worker, job: Job) -> None:
    """Settle member after member, one transaction each, renewing the lease with each."""
    settlement_id = str(job.payload["settlement_id"])
    run = await worker.db.run(lambda s: start_run(s, settlement_id, utcnow()))
    if run is None:
        return

    async def step(session: AsyncSession) -> bool:
        if not await jobs.renew(session, job, worker.id, utcnow()):
            raise LeaseLost(job.id)
        return await settle_next(session, run, utcnow())

    while await worker.db.run(step):
        worker.stepped()
        if worker.stopping:
            raise Interrupted(job.id)
    await worker.db.run(lambda s: finish_run(s, run, utcnow()))


async def run_campaign(worker: Worker, job: Job) -> None:
    """Award a campaign's pending members batch after batch, renewing the lease with each."""
    campaign_id = str(job.payload["campaign_id"])
    size = worker.settings.campaign_batch_size

    async def step(session: AsyncSession) -> bool:
        if not await jobs.renew(session, job, worker.id, utcnow()):
            raise LeaseLost(job.id)
        return await award_batch(session, campaign_id, size, utcnow())

    while await worker.db.run(step):
        worker.stepped()
        if worker.stopping:
            raise Interrupted(job.id)
    await worker.db.run(lambda s: finish_execution(s, campaign_id, utcnow()))


HANDLERS: dict[str, Callable[[Worker, Job], Awaitable[None]]] = {
    SETTLEMENT_JOB: run_settlement,
    CAMPAIGN_JOB: run_campaign,
}
