"""Alerts: list and read them; acknowledge and resolve with a note (who and when are recorded)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.api.deps import Cursor, FinanceRead, Limit, UoW
from app.errors import problems
from app.models.base import utcnow
from app.models.finance.alerts import (
    AlertKind,
    AlertNote,
    AlertPage,
    AlertPublic,
    AlertStatus,
    Severity,
)
from app.models.types import TimestampIn
from app.repositories.finance.alerts import AlertFilters
from app.services.finance import alerts as service

router = APIRouter(prefix="/alerts", tags=["alerts"])
AlertId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("", response_model=AlertPage, responses=problems(401, 403, 422, 503))
async def list_alerts(
    _principal: FinanceRead,
    uow: UoW,
    kind: AlertKind | None = None,
    severity: Severity | None = None,
    status: AlertStatus | None = None,
    customer_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    since: Annotated[TimestampIn | None, Query(description="Raised at or after (RFC 3339).")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> AlertPage:
    """Newest first, filtered by kind, severity, status, member and time."""
    filters = AlertFilters(
        kind=kind.value if kind else None,
        severity=severity.value if severity else None,
        status=status.value if status else None,
        customer_id=customer_id,
        since=since,
    )
    return await uow.read(lambda s: service.list_alerts(s, filters, limit, cursor))


@router.get("/{alert_id}", response_model=AlertPublic, responses=problems(401, 403, 404, 503))
async def get_alert(alert_id: AlertId, _principal: FinanceRead, uow: UoW) -> AlertPublic:
    return await uow.read(lambda s: service.get_alert(s, alert_id))


@router.post(
    "/{alert_id}/ack", response_model=AlertPublic, responses=problems(401, 403, 404, 409, 413, 415, 503)
)
async def acknowledge_alert(
    alert_id: AlertId, body: AlertNote, principal: FinanceRead, uow: UoW
) -> AlertPublic:
    """Open → acknowledged; 409 when it is acknowledged or resolved already."""
    return await uow.run(lambda s: service.acknowledge_alert(s, principal, alert_id, body.note, utcnow()))


@router.post(
    "/{alert_id}/resolve", response_model=AlertPublic, responses=problems(401, 403, 404, 409, 413, 415, 503)
)
async def resolve_alert(alert_id: AlertId, body: AlertNote, principal: FinanceRead, uow: UoW) -> AlertPublic:
    """Open or acknowledged → resolved; 409 when it is resolved already."""
    return await uow.run(lambda s: service.resolve_alert(s, principal, alert_id, body.note, utcnow()))
