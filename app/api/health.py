"""Operator endpoints: readiness (with draining after SIGTERM) and Prometheus metrics.

`/readyz` fails while the process drains, so a load balancer stops sending new requests
before the server stops; `crm serve` sets `DRAINING` on SIGTERM. `/metrics` is off unless
`CRM_METRICS_TOKEN` is set, then answers only that bearer token: it carries business
figures, and Prometheus can send a token where it could not hold an admin API key.
"""

from __future__ import annotations

import hmac
import threading
import time
from typing import Any

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CollectorRegistry, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from pydantic import BaseModel

from app.api.observability import REGISTRY
from app.db.uow import Database
from app.domain.errors import DomainError, NotFound
from app.errors import problems
from app.services import ops

log = structlog.get_logger("app.health", logger_name="app.health")
router = APIRouter(tags=["health"])
DRAINING = threading.Event()
FIGURES_TTL_SECONDS = 30.0


class Readiness(BaseModel):
    status: str


class NotReady(DomainError):
    status = 503
    code = "not_ready"
    title = "Not ready"


@router.get("/readyz", response_model=Readiness, responses=problems(503))
async def get_readiness(request: Request) -> Readiness:
    """Readiness (no auth): the database answers, its schema is current, the process is not draining."""
    if DRAINING.is_set():
        raise NotReady("shutting down: finishing the requests in flight")
    database: Database = request.app.state.db
    try:
        async with database.unit_of_work(read_only=True) as uow:
            current = await uow.read(lambda s: ops.schema_is_current(s, request.app.state.schema_heads))
    except Exception as exc:  # any failure to reach the database means "not ready", not a 500
        log.warning("readiness check failed", error=str(exc))
        raise NotReady("the database cannot be reached") from None
    if not current:
        raise NotReady("the database schema is not at the latest migration: run `crm migrate`")
    return Readiness(status="ready")


@router.get("/metrics", include_in_schema=False)
async def get_metrics(request: Request) -> Response:
    """Prometheus text format: request metrics, database pool, business gauges."""
    token: str | None = request.app.state.settings.metrics_token
    given = request.headers.get("authorization", "")
    if not token or not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        raise NotFound("no resource at /metrics")
    body = generate_latest(REGISTRY) + generate_latest(await _gauges(request))
    return Response(body, media_type=CONTENT_TYPE_LATEST)


async def _gauges(request: Request) -> CollectorRegistry:
    """Pool usage now, and business figures at most `FIGURES_TTL_SECONDS` old."""
    registry = CollectorRegistry()
    pool: Any = request.app.state.engine.pool
    in_use = Gauge("crm_db_pool_in_use", "Database connections checked out", registry=registry)
    size = Gauge("crm_db_pool_size", "Database connections the pool keeps", registry=registry)
    in_use.set(pool.checkedout() if hasattr(pool, "checkedout") else 0)
    size.set(pool.size() if hasattr(pool, "size") else 0)
    cached: tuple[float, ops.BusinessFigures] | None = getattr(request.app.state, "figures", None)
    if cached is None or time.monotonic() - cached[0] > FIGURES_TTL_SECONDS:
        database: Database = request.app.state.db
        async with database.unit_of_work(read_only=True) as uow:
            cached = (time.monotonic(), await uow.read(ops.business_figures))
        request.app.state.figures = cached
    figures = cached[1]
    Gauge("crm_members", "Live members", registry=registry).set(figures.members)
    Gauge("crm_points_outstanding", "Points held by live members", registry=registry).set(
        float(figures.points_outstanding)
    )
    Gauge("crm_outbox_events", "Events not yet fanned out to webhooks", registry=registry).set(
        figures.outbox_events
    )
    Gauge(
        "crm_webhook_deliveries_due", "Webhook deliveries due and not yet delivered", registry=registry
    ).set(figures.webhook_deliveries_due)
    return registry
