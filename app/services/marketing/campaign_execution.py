"""Executing a campaign: freeze the selection and its holdout, then award the bonus member by member.

The first execution freezes who is targeted (`campaign_member`, the holdout drawn by
`in_holdout` from the member and campaign ids and stored) and starts the campaign (scheduled
→ running). Awards then go in batches, each its own transaction: under the rules (shared)
and each member's row lock, a member not yet awarded gets one `bonus` ledger entry naming the
campaign, the budget is charged with one conditional write (never past the cap), and the
member's row of the selection records the entry. The award and its record commit together,
and the selection's key (campaign, member) holds one row per member, so a run that dies
between batches is simply run again: it resumes with the members still pending and awards
nobody twice. When the budget cannot cover the next award, every member still pending is
left out and the run ends. Small selections are awarded inside the request; larger ones
(more than `CRM_CAMPAIGN_INLINE_LIMIT` pending) by a background job with the same steps.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import Busy, InvalidInput, NotFound
from app.domain.finance.expiry import expiry_date
from app.domain.marketing.campaign_rules import (
    CampaignStatus,
    award_cost,
    check_budget,
    check_executable,
    in_holdout,
)
from app.models.base import utcnow
from app.models.integration.webhooks import EventType
from app.models.jobs import JobStatus
from app.models.loyalty.ledger import EntryKind
from app.models.marketing.campaigns import Campaign, CampaignExecute, CampaignPublic, ExecutionPublic
from app.repositories import tables
from app.repositories.crm import rows
from app.repositories.crm.seen import Reach
from app.repositories.loyalty import catalogue as catalogue_repo
from app.repositories.marketing import campaign_selection as selection_repo
from app.repositories.marketing import campaigns as repo
from app.services import audit, jobs
from app.services.integration.api_keys import Principal
from app.services.integration.events import emit
from app.services.loyalty.ledger import Movement, apply_movement
from app.services.loyalty.points import get_member
from app.services.loyalty.rules import hold_rules, load_rules
from app.services.marketing.campaigns import public, require

JOB_KIND = "campaign.execute"
MAX_HOLDOUT = Decimal("0.5")
T = TypeVar("T")


class Runner(Protocol):
    """Runs a use case in its own committed transaction (a request's unit of work, or the database)."""

    async def run(self, use_case: Callable[[AsyncSession], Awaitable[T]]) -> T: ...


@dataclass(frozen=True)
class Started:
    public: CampaignPublic
    background: bool


async def _freeze(session: AsyncSession, campaign: Campaign, share: Decimal, now: datetime) -> None:
    """Store the selection with each member's holdout draw, and start the campaign."""
    if not Decimal(0) <= share <= MAX_HOLDOUT:
        raise InvalidInput.at("holdout_share", f"must be between 0 and {MAX_HOLDOUT}")
    rules = await load_rules(session)
    check_budget(campaign.budget, campaign.bonus_points, rules.settings.point_value)
    ids = await selection_repo.selected_ids(
        session, campaign.target, Reach(campaign.store_id), campaign.channel
    )
    members = [
        {
            "campaign_id": campaign.id,
            "customer_id": cid,
            "holdout": in_holdout(cid, campaign.id, share),
            "left_out": False,
        }
        for cid in ids
    ]
    await repo.add_members(session, members)
    # Posting applies running campaigns: wait for purchases in flight, then make caches reload.
    await catalogue_repo.hold_rules(session, exclusive=True)
    await catalogue_repo.bump_catalogue_version(session)
    values = {
        "status": CampaignStatus.running.value,
        "holdout_share": share,
        "executed_at": now,
        "updated_at": now,
    }
    await repo.update_campaign(session, campaign.id, values)


async def start_execution(
    session: AsyncSession,
    principal: Principal,
    campaign_id: str,
    body: CampaignExecute,
    inline_limit: int,
    now: datetime,
) -> Started:
    """Freeze the selection on the first run; queue a job when more than `inline_limit` are pending."""
    campaign = await require(session, principal, campaign_id, for_update=True)
    check_executable(CampaignStatus(campaign.status))
    if campaign.executed_at is None:
        await _freeze(session, campaign, body.holdout_share, now)
        await audit.record(
            session, principal, "campaign", campaign_id, "execute",
            {"status": campaign.status}, {"status": "running", "holdout_share": body.holdout_share}, now,
        )  # fmt: skip
        campaign = await require(session, principal, campaign_id)
    current = await public(session, campaign)
    active = await _job_active(session, campaign.job_id)  # a job is on it: report, do not race it
    background = current.progress.pending > 0 and (active or current.progress.pending > inline_limit)
    if background and not active:
        job_id = await jobs.enqueue(session, JOB_KIND, {"campaign_id": campaign_id}, now)
        await repo.update_campaign(session, campaign_id, {"job_id": job_id})
        current = current.model_copy(update={"job_id": job_id})
    return Started(current, background)


async def _job_active(session: AsyncSession, job_id: str | None) -> bool:
    job = await jobs.get_job(session, job_id) if job_id else None
    return job is not None and job.status in (JobStatus.queued, JobStatus.running)


async def award_batch(session: AsyncSession, campaign_id: str, size: int, now: datetime) -> bool:
    """Award up to `size` pending members in this transaction; False when nothing is left to do.

    Lock order is the members' rows (in id order) and then the campaign's row, as posting
    does (a member, then its campaigns), so an execution and purchases never deadlock: the
    batch reads the budget left, awards what it covers, and charges the total at the end.
    """
    rules = await hold_rules(session)
    campaign = await rows.get(session, tables.campaign, Campaign, campaign_id)
    if campaign is None or campaign.status != CampaignStatus.running or not campaign.bonus_points:
        return False
    pending = await repo.pending(session, campaign_id, size)
    if not pending:
        return False
    points = campaign.bonus_points
    cost = award_cost(points, rules.settings.point_value)
    left = await repo.remaining_budget(session, campaign_id)
    fits = len(pending) if left is None or cost == 0 else min(len(pending), int(left // cost))
    if fits == 0:
        await repo.leave_out_rest(session, campaign_id)
        return False
    awarded = 0
    for customer_id in pending[:fits]:
        try:
            member, rules = await get_member(session, customer_id, for_update=True)
        except NotFound:  # deleted since the selection was frozen: nobody to award
            await repo.update_member(session, campaign_id, customer_id, {"left_out": True})
            continue
        if await repo.awarded_entry(session, campaign_id, customer_id) is not None:
            continue  # another run got there first (its commit released the member's lock)
        move = Movement(
            EntryKind.bonus,
            points,
            campaign.bonus_counts_toward_tier,
            reason=f"campaign {campaign.name}",
            api_key_id=campaign.created_by,
            store_id=campaign.store_id,
            expires_at=expiry_date(now, rules.settings.points_expiry_months),
            campaign_id=campaign_id,
        )
        applied = await apply_movement(session, member, move, rules.ladder, now)
        if not await repo.mark_awarded(session, campaign_id, customer_id, points, applied.entry_id, now):
            raise RuntimeError(f"member {customer_id} was awarded twice by campaign {campaign_id}")
        awarded += 1
    if awarded and not await repo.charge(session, campaign_id, cost * awarded):
        # purchases spent part of the budget since it was read: nothing of this batch is kept
        raise Busy("the campaign's budget moved while awarding; execute it again to resume")
    return True


async def finish_execution(session: AsyncSession, campaign_id: str, now: datetime) -> CampaignPublic | None:
    """Once nothing is pending: stamp the execution done and emit `campaign.executed` (once)."""
    campaign = await rows.get(session, tables.campaign, Campaign, campaign_id, for_update=True)
    if campaign is None:
        return None
    current = await public(session, campaign)
    if campaign.execution_done_at is None and current.progress.pending == 0:
        await repo.update_campaign(session, campaign_id, {"execution_done_at": now})
        current = current.model_copy(update={"execution_done_at": now})
        p = current.progress
        data = {
            "campaign_id": campaign_id,
            "name": campaign.name,
            "status": campaign.status,
            "targeted": p.targeted,
            "holdout": p.holdout,
            "awarded": p.awarded,
            "left_out": p.left_out,
            "points_awarded": f"{p.points_awarded:.2f}",
            "spent": f"{campaign.spent:.2f}",
        }
        await emit(session, EventType.campaign_executed, data, now)
    return current


async def award_all(
    runner: Runner, campaign_id: str, batch: int, stepped: Callable[[], None] | None = None
) -> None:
    """Award batch after batch, one transaction each, until nothing is pending."""
    while await runner.run(lambda s: award_batch(s, campaign_id, batch, utcnow())):
        if stepped is not None:
            stepped()


async def execute_campaign(
    runner: Runner,
    principal: Principal,
    campaign_id: str,
    body: CampaignExecute,
    *,
    inline_limit: int,
    batch: int,
) -> ExecutionPublic:
    """Start (or resume) the campaign's execution; award inline unless a job takes it."""
    started = await runner.run(
        lambda s: start_execution(s, principal, campaign_id, body, inline_limit, utcnow())
    )
    current = started.public
    if not started.background:
        await award_all(runner, campaign_id, batch)
        finished: CampaignPublic | None = await runner.run(
            lambda s: finish_execution(s, campaign_id, utcnow())
        )
        current = finished or current
    return ExecutionPublic(
        campaign_id=campaign_id,
        status=current.status,
        holdout_share=current.holdout_share or Decimal(0),
        background=started.background,
        job_id=current.job_id if started.background else None,
        progress=current.progress,
        spent=current.spent,
    )
