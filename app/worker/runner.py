"""The worker: claims leased jobs from the database, runs them, and does the periodic checks.

Several workers (processes, or `crm serve` instances) can run side by side: a job is leased
to one (`FOR UPDATE SKIP LOCKED` on PostgreSQL), its lease renewed as it progresses, and
taken over by another once a dead worker's lease runs out. Periodic work (the liability
check; hourly the idempotency purge, points expiry and the P&L rules; daily the member
analysis) is idempotent, so every worker may do it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from datetime import timedelta

from app.db.uow import Database
from app.models import Job
from app.models.base import new_id, utcnow
from app.services import jobs
from app.services.finance.expiry import expire_due_points
from app.services.finance.liability import check_liability
from app.services.finance.pnl import run_time_rules
from app.services.integration.idempotency import purge_idempotency_records
from app.services.marketing import analysis
from app.settings import Settings
from app.worker.handlers import HANDLERS, Interrupted, LeaseLost
from app.worker.webhooks import WebhookSender

log = logging.getLogger("app.worker")

HOURLY_SECONDS = 3600.0


class Worker:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.id = f"{socket.gethostname()[:30]}-{os.getpid()}-{new_id('w')[-6:]}"
        self.steps = 0
        self._stop: asyncio.Event | None = None
        self.webhooks = WebhookSender(db, settings)

    @property
    def stopping(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    def stepped(self) -> None:
        """Count a member settled (or skipped); the test fault hook ends the process abruptly here."""
        self.steps += 1
        limit = self.settings.worker_exit_after_items
        if limit is not None and self.steps >= limit:
            log.warning("worker %s exits after %d settled members (fault injection)", self.id, limit)
            os._exit(17)

    async def run_one(self) -> bool:
        """Claim and run one due job; False when none is due."""
        job: Job | None = await self.db.run(lambda s: jobs.claim(s, self.id, utcnow()))
        if job is None:
            return False
        handler = HANDLERS.get(job.kind)
        try:
            if handler is None:
                raise RuntimeError(f"no handler for job kind {job.kind!r}")
            await handler(self, job)
        except LeaseLost:
            log.warning("job %s was taken over by another worker", job.id)
            return True
        except Interrupted:
            await self.db.run(lambda s: jobs.release(s, job, self.id, utcnow()))
            return True
        except Exception as exc:
            log.exception("job %s (%s) failed", job.id, job.kind)
            error = repr(exc)
            await self.db.run(lambda s: jobs.fail(s, job, self.id, error, utcnow()))
            return True
        await self.db.run(lambda s: jobs.complete(s, job, self.id, utcnow()))
        return True

    async def run_until_idle(self) -> int:
        """Run due jobs until none is left, then the periodic work once (`crm worker --once`, tests)."""
        count = 0
        while await self.run_one():
            count += 1
        while await self.webhooks.deliver():
            pass
        await self.webhooks.close()
        await self.periodic()
        await self.hourly()
        await self.daily()
        return count

    async def periodic(self) -> None:
        await self.db.run(lambda s: check_liability(s, utcnow()))

    async def hourly(self) -> None:
        """The idempotency purge, points past their expiry date, the P&L rules of ended periods."""
        await self.purge()
        while await self.db.run(lambda s: expire_due_points(s, utcnow())):
            if self.stopping:
                return
        raised = sum(r for _, r in await self.db.run(lambda s: run_time_rules(s, utcnow())))
        if raised:
            log.info("raised %d pnl.margin_low alerts", raised)

    async def daily(self) -> None:
        """The bulk member analysis (time-based decline, segments, RFM), when a day has passed."""
        if not await self.db.run(lambda s: analysis.due(s, utcnow())):
            return
        done = await analysis.analyse(self.db.run, utcnow())
        log.info(
            "analysed %d members: %d changed, %d at risk", done.members, done.changed, done.at_risk_alerts
        )

    async def purge(self) -> None:
        retention = timedelta(hours=self.settings.idempotency_retention_hours)
        purged = await self.db.run(lambda s: purge_idempotency_records(s, utcnow(), retention))
        if purged:
            log.info("purged %d idempotency records", purged)

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop` is set: due jobs first, then the periodic checks, then a short sleep."""
        log.info("worker %s started", self.id)
        self._stop = stop
        next_check = next_hourly = next_daily = 0.0
        while not stop.is_set():
            try:
                ran = await self.run_one()
                ran = bool(await self.webhooks.deliver()) or ran
                now = time.monotonic()
                if now >= next_check:
                    await self.periodic()
                    next_check = now + self.settings.liability_check_seconds
                if now >= next_hourly:
                    await self.hourly()
                    next_hourly = now + HOURLY_SECONDS
                if now >= next_daily:
                    await self.daily()
                    next_daily = now + HOURLY_SECONDS  # `daily` itself skips until a day has passed
            except Exception:  # the database may be briefly away; keep the loop alive
                log.exception("worker iteration failed")
                ran = False
            if not ran:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.settings.worker_poll_seconds)
        await self.webhooks.close()
        log.info("worker %s stopped", self.id)
