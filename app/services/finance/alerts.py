"""Alerts: raised by the finance rules (and any area's code) and handled open → acknowledged → resolved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import AlertClosed, NotFound
from app.models import Alert
from app.models.base import new_id, utcnow
from app.models.finance.alerts import (
    AlertKind,
    AlertPage,
    AlertPublic,
    AlertStatus,
    Cause,
    CauseType,
    Severity,
)
from app.models.integration.webhooks import EventType
from app.repositories.finance import alerts as repo
from app.repositories.finance.alerts import AlertFilters
from app.services.integration.api_keys import Principal
from app.services.integration.events import emit
from app.services.pagination import decode_cursor, encode_cursor


@dataclass(frozen=True)
class AlertCause:
    """What caused an alert: a purchase, a member, a settlement, a period or a periodic check."""

    type: CauseType
    id: str | None = None
    customer_id: str | None = None


async def raise_alert(
    session: AsyncSession,
    kind: AlertKind,
    severity: Severity,
    cause: AlertCause,
    figures: dict[str, Any],
    dedupe_key: str | None = None,
    *,
    now: datetime | None = None,
    message: str | None = None,
) -> str | None:
    """Record an alert in the caller's transaction; None when `dedupe_key` was raised before.

    Any area may call it (P&L checks, member rules). `figures` are the numbers at this
    moment as JSON values (decimal strings for money); `dedupe_key` makes raising
    idempotent (one `pnl.margin_low` per period and scope, say).
    """
    now = now or utcnow()
    message = message or f"{kind.value} ({severity.value})"
    alert_id = new_id("alr")
    values = {
        "id": alert_id,
        "kind": kind.value,
        "severity": severity.value,
        "status": AlertStatus.open.value,
        "cause_type": cause.type.value,
        "cause_id": cause.id,
        "customer_id": cause.customer_id,
        "message": message[:500],
        "figures": figures,
        "dedupe_key": dedupe_key,
        "created_at": now,
    }
    if not await repo.insert(session, values):
        return None
    data = {k: v for k, v in values.items() if k not in ("dedupe_key", "created_at")}
    await emit(session, EventType.alert_raised, {**data, "created_at": now.isoformat()}, now)
    return alert_id


def _public(a: Alert) -> AlertPublic:
    return AlertPublic.model_validate(
        {**a.model_dump(), "cause": Cause(type=CauseType(a.cause_type), id=a.cause_id)}
    )


async def get_alert(session: AsyncSession, alert_id: str) -> AlertPublic:
    found = await repo.get(session, alert_id)
    if found is None:
        raise NotFound(f"no alert {alert_id}")
    return _public(found)


async def list_alerts(
    session: AsyncSession, filters: AlertFilters, limit: int, cursor: str | None
) -> AlertPage:
    before = decode_cursor(cursor, "alr")
    found = await repo.page(session, filters, limit + 1, before)
    page = found[:limit]
    return AlertPage(
        items=[_public(a) for a in page],
        next_cursor=encode_cursor(page[-1].id) if len(found) > limit else None,
    )


async def acknowledge_alert(
    session: AsyncSession, principal: Principal, alert_id: str, note: str | None, now: datetime
) -> AlertPublic:
    """Open → acknowledged, recording who (the API key) and when; 409 once it moved on."""
    found = await repo.get(session, alert_id, for_update=True)
    if found is None:
        raise NotFound(f"no alert {alert_id}")
    if found.status != AlertStatus.open:
        raise AlertClosed(f"alert {alert_id} is already {found.status}", extra={"alert_status": found.status})
    values = {
        "status": AlertStatus.acknowledged.value,
        "acknowledged_at": now,
        "acknowledged_by": principal.key_id,
        "acknowledge_note": note,
    }
    await repo.update_fields(session, alert_id, values)
    return _public(found.model_copy(update=values))


async def resolve_alert(
    session: AsyncSession, principal: Principal, alert_id: str, note: str | None, now: datetime
) -> AlertPublic:
    """Open or acknowledged → resolved; 409 when it is resolved already."""
    found = await repo.get(session, alert_id, for_update=True)
    if found is None:
        raise NotFound(f"no alert {alert_id}")
    if found.status == AlertStatus.resolved:
        raise AlertClosed(f"alert {alert_id} is already resolved", extra={"alert_status": found.status})
    values = {
        "status": AlertStatus.resolved.value,
        "resolved_at": now,
        "resolved_by": principal.key_id,
        "resolve_note": note,
    }
    await repo.update_fields(session, alert_id, values)
    return _public(found.model_copy(update=values))
