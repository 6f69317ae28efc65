"""Settlement runs as a resource: queue one (by hand or on a critical crossing), preview, read.

The run itself is `settlement_runs`, executed by the worker, never inside a request.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import NotFound
from app.domain.finance.liability import money
from app.domain.finance.settlements import Holder, Planned, plan
from app.models.base import new_id
from app.models.finance.settlements import (
    PreviewItem,
    SettlementCreate,
    SettlementDetail,
    SettlementEventPublic,
    SettlementItemPublic,
    SettlementPage,
    SettlementPreview,
    SettlementPublic,
    SettlementStatus,
    Trigger,
)
from app.repositories.finance import liability as liability_repo
from app.repositories.finance import settlements as repo
from app.services import jobs
from app.services.integration.api_keys import Principal
from app.services.loyalty.rules import load_rules
from app.services.pagination import decode_cursor, encode_cursor

JOB_KIND = "settlement.run"
PREVIEW_LIMIT = 500
_BATCH = 500


async def audit(
    session: AsyncSession, settlement_id: str, step: str, detail: dict[str, Any], now: datetime
) -> None:
    """One step of a run, kept on the run."""
    values = {
        "id": new_id("sev"),
        "settlement_id": settlement_id,
        "step": step,
        "detail": detail,
        "created_at": now,
    }
    await repo.add_event(session, values)


async def enqueue_settlement(
    session: AsyncSession,
    trigger: Trigger,
    target: Decimal | None,
    reason: str | None,
    api_key_id: str | None,
    cause_id: str | None,
    now: datetime,
) -> str:
    """A queued run and the worker job that executes it, in the caller's transaction."""
    settlement_id = new_id("stl")
    await repo.insert(
        session,
        {
            "id": settlement_id,
            "status": SettlementStatus.queued.value,
            "trigger": trigger.value,
            "target": target,
            "reason": reason,
            "api_key_id": api_key_id,
            "cause_id": cause_id,
            "members": 0,
            "points": Decimal(0),
            "amount": Decimal(0),
            "created_at": now,
        },
    )
    job_id = await jobs.enqueue(session, JOB_KIND, {"settlement_id": settlement_id}, now)
    await audit(session, settlement_id, "queued", {"trigger": trigger.value, "job_id": job_id}, now)
    return settlement_id


async def create_settlement(
    session: AsyncSession, principal: Principal, body: SettlementCreate, now: datetime
) -> SettlementPublic:
    """An admin starts a run by hand; the worker executes it."""
    settlement_id = await enqueue_settlement(
        session, Trigger.manual, body.target, body.reason, principal.key_id, None, now
    )
    return await get_settlement(session, settlement_id)


async def settle_min_balance(session: AsyncSession) -> Decimal:
    row = await liability_repo.get_settings(session)
    return row.settle_min_balance if row else Decimal("0.00")


async def preview_settlement(session: AsyncSession, body: SettlementCreate) -> SettlementPreview:
    """Who a run would settle now, and for how much; nothing is written."""
    settings = (await load_rules(session)).settings
    target = body.target if body.target is not None else settings.liability_target
    min_balance = await settle_min_balance(session)
    points = (await liability_repo.totals(session)).positive_points
    planned: list[Planned] = []
    after: Holder | None = None
    while True:
        batch = await repo.holders(session, min_balance, _BATCH, after=after)
        left = points - sum((p.points for p in planned), Decimal(0))
        step = plan(left, settings.point_value, target, min_balance, batch)
        planned += step
        if len(step) < len(batch) or len(batch) < _BATCH:
            break
        after = batch[-1]
    settled = sum((p.points for p in planned), Decimal("0.00"))
    return SettlementPreview(
        liability=money(points, settings.point_value),
        target=target,
        point_value=settings.point_value,
        min_balance=min_balance,
        members=len(planned),
        points=settled,
        amount=sum((p.amount for p in planned), Decimal("0.00")),
        liability_after=money(points - settled, settings.point_value),
        items=[
            PreviewItem(customer_id=p.customer_id, points=p.points, amount=p.amount)
            for p in planned[:PREVIEW_LIMIT]
        ],
        truncated=len(planned) > PREVIEW_LIMIT,
    )


async def get_settlement(session: AsyncSession, settlement_id: str) -> SettlementDetail:
    found = await repo.get(session, settlement_id)
    if found is None:
        raise NotFound(f"no settlement {settlement_id}")
    items = [
        SettlementItemPublic.model_validate(i, from_attributes=True)
        for i in await repo.items(session, settlement_id)
    ]
    events = [
        SettlementEventPublic.model_validate(e, from_attributes=True)
        for e in await repo.events(session, settlement_id)
    ]
    return SettlementDetail.model_validate({**found.model_dump(), "items": items, "events": events})


async def list_settlements(
    session: AsyncSession, status: SettlementStatus | None, limit: int, cursor: str | None
) -> SettlementPage:
    before = decode_cursor(cursor, "stl")
    found = await repo.page(session, status.value if status else None, limit + 1, before)
    page = found[:limit]
    return SettlementPage(
        items=[SettlementPublic.model_validate(s, from_attributes=True) for s in page],
        next_cursor=encode_cursor(page[-1].id) if len(found) > limit else None,
    )
