"""Webhook endpoints (unrestricted admin): register, change, rotate the secret, delivery log, redeliver."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from app.api.deps import Admin, Cursor, IdempotencyKey, Limit, UoW, create_once
from app.errors import problems
from app.models.base import utcnow
from app.models.integration.webhooks import (
    DeliveryPage,
    DeliveryPublic,
    WebhookCreate,
    WebhookCreated,
    WebhookId,
    WebhookPage,
    WebhookPublic,
    WebhookUpdate,
)
from app.services.integration import webhooks as service

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


@router.post(
    "", status_code=201, response_model=WebhookCreated, responses=problems(401, 403, 409, 413, 415, 422, 503)
)
async def create_webhook(
    request: Request, body: WebhookCreate, principal: Admin, uow: UoW, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Register an endpoint for event types; `secret` (`whsec_…`) appears only in this response."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        body,
        lambda s: service.create_webhook(s, body, utcnow()),
        secret_fields=("secret",),
    )


@router.get("", response_model=WebhookPage, responses=problems(401, 403, 503))
async def list_webhooks(principal: Admin, uow: UoW, limit: Limit = 50, cursor: Cursor = None) -> WebhookPage:
    """Endpoints, newest first; never their secrets."""
    return await uow.read(lambda s: service.list_webhooks(s, limit, cursor))


@router.get("/{webhook_id}", response_model=WebhookPublic, responses=problems(401, 403, 404, 503))
async def get_webhook(webhook_id: WebhookId, principal: Admin, uow: UoW) -> WebhookPublic:
    return await uow.read(lambda s: service.get_webhook(s, webhook_id))


@router.patch("/{webhook_id}", response_model=WebhookPublic, responses=problems(401, 403, 404, 413, 415, 503))
async def update_webhook(
    webhook_id: WebhookId, body: WebhookUpdate, principal: Admin, uow: UoW
) -> WebhookPublic:
    """Change url, events or enabled; enabling a disabled endpoint resumes its pending deliveries."""
    return await uow.run(lambda s: service.update_webhook(s, webhook_id, body, utcnow()))


@router.delete("/{webhook_id}", status_code=204, responses=problems(401, 403, 404, 503))
async def delete_webhook(webhook_id: WebhookId, principal: Admin, uow: UoW) -> Response:
    await uow.run(lambda s: service.delete_webhook(s, webhook_id))
    return Response(status_code=204)


@router.post(
    "/{webhook_id}/rotate-secret", response_model=WebhookCreated, responses=problems(401, 403, 404, 503)
)
async def rotate_webhook_secret(webhook_id: WebhookId, principal: Admin, uow: UoW) -> WebhookCreated:
    """A new secret, shown once; the old one keeps signing beside it for 24 hours."""
    return await uow.run(lambda s: service.rotate_secret(s, webhook_id, utcnow()))


@router.get("/{webhook_id}/deliveries", response_model=DeliveryPage, responses=problems(401, 403, 404, 503))
async def list_webhook_deliveries(
    webhook_id: WebhookId, principal: Admin, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> DeliveryPage:
    """The delivery log, newest first: event id, attempts, last status code, error, duration, next retry."""
    return await uow.read(lambda s: service.list_deliveries(s, webhook_id, limit, cursor))


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    response_model=DeliveryPublic,
    responses=problems(401, 403, 404, 503),
)
async def redeliver_webhook(
    webhook_id: WebhookId, delivery_id: WebhookId, principal: Admin, uow: UoW
) -> DeliveryPublic:
    """Send the delivery's event again (same `webhook-id`) at the worker's next pass."""
    return await uow.run(lambda s: service.redeliver(s, webhook_id, delivery_id, utcnow()))
