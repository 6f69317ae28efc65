"""Campaigns: select members, preview them, execute an incentive, and read whether it paid."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Request
from fastapi.responses import JSONResponse

from app.api.deps import Cursor, IdempotencyKey, Limit, UoW, create_once, require
from app.domain.marketing.campaign_rules import CampaignStatus
from app.errors import problems
from app.models.base import utcnow
from app.models.integration.api_keys import Scope
from app.models.marketing.campaigns import (
    CampaignCreate,
    CampaignExecute,
    CampaignPage,
    CampaignPublic,
    CampaignStatusChange,
    CampaignTarget,
    CampaignUpdate,
    ExecutionPublic,
    PreviewPublic,
    ResultsPublic,
)
from app.services.integration.api_keys import Principal
from app.services.marketing import campaign_results
from app.services.marketing import campaigns as service
from app.services.marketing.campaign_execution import execute_campaign as execute
from app.settings import Settings

router = APIRouter(prefix="/campaigns", tags=["campaigns"])
CampaignsWrite = Annotated[Principal, Depends(require(Scope.campaigns_write))]
CampaignId = Annotated[str, Path(min_length=1, max_length=64)]
DEFAULT_EXECUTION = CampaignExecute()


@router.post(
    "", status_code=201, response_model=CampaignPublic, responses=problems(401, 403, 404, 413, 415, 503)
)
async def create_campaign(
    request: Request,
    body: CampaignCreate,
    principal: CampaignsWrite,
    uow: UoW,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A draft campaign: target filters, incentive, window, budget (422 naming a bad filter)."""
    return await create_once(
        request, uow, principal, idempotency_key, body,
        lambda s: service.create_campaign(s, principal, body, utcnow()),
    )  # fmt: skip


@router.get("", response_model=CampaignPage, responses=problems(401, 403, 404, 503))
async def list_campaigns(
    principal: CampaignsWrite,
    uow: UoW,
    status: CampaignStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> CampaignPage:
    """Campaigns newest first (a store-bound key: its store's)."""
    return await uow.read(lambda s: service.list_campaigns(s, principal, status, limit, cursor))


@router.post("/preview", response_model=PreviewPublic, responses=problems(401, 403, 404, 413, 415, 503))
async def preview_selection(body: CampaignTarget, principal: CampaignsWrite, uow: UoW) -> PreviewPublic:
    """Size and behaviour of the members these filters select, to explore before a campaign."""
    return await uow.read(lambda s: service.preview_target(s, principal, body))


@router.get("/{campaign_id}", response_model=CampaignPublic, responses=problems(401, 403, 404, 503))
async def get_campaign(campaign_id: CampaignId, principal: CampaignsWrite, uow: UoW) -> CampaignPublic:
    """One campaign with its execution progress."""
    return await uow.read(lambda s: service.get_campaign(s, principal, campaign_id))


@router.patch(
    "/{campaign_id}", response_model=CampaignPublic, responses=problems(401, 403, 404, 409, 413, 415, 503)
)
async def update_campaign(
    campaign_id: CampaignId, body: CampaignUpdate, principal: CampaignsWrite, uow: UoW
) -> CampaignPublic:
    """Edit a draft; any other status is 409 `campaign_state`."""
    return await uow.run(lambda s: service.update_campaign(s, principal, campaign_id, body, utcnow()))


@router.post(
    "/{campaign_id}/status",
    response_model=CampaignPublic,
    responses=problems(401, 403, 404, 409, 413, 415, 503),
)
async def change_campaign_status(
    campaign_id: CampaignId, body: CampaignStatusChange, principal: CampaignsWrite, uow: UoW
) -> CampaignPublic:
    """draft ⇄ scheduled, running → finished, any open status → cancelled; 409 otherwise."""
    return await uow.run(lambda s: service.change_status(s, principal, campaign_id, body, utcnow()))


@router.post("/{campaign_id}/preview", response_model=PreviewPublic, responses=problems(401, 403, 404, 503))
async def preview_campaign(campaign_id: CampaignId, principal: CampaignsWrite, uow: UoW) -> PreviewPublic:
    """The campaign's selection as it stands now, its behaviour and its bonus cost."""
    return await uow.read(lambda s: service.preview_campaign(s, principal, campaign_id))


@router.post(
    "/{campaign_id}/execute",
    response_model=ExecutionPublic,
    responses={
        **problems(401, 403, 404, 409, 413, 415, 503),
        202: {"model": ExecutionPublic, "description": "A background job awards the rest."},
    },
)
async def execute_campaign(
    request: Request,
    campaign_id: CampaignId,
    principal: CampaignsWrite,
    uow: UoW,
    body: Annotated[CampaignExecute, Body()] = DEFAULT_EXECUTION,
) -> JSONResponse:
    """Freeze the selection and holdout, start the campaign and award its bonus (safe to re-run);
    without a body the holdout share is 0.1."""
    settings: Settings = request.app.state.settings
    done = await execute(
        uow,
        principal,
        campaign_id,
        body,
        inline_limit=settings.campaign_inline_limit,
        batch=settings.campaign_batch_size,
    )
    return JSONResponse(done.model_dump(mode="json"), status_code=202 if done.background else 200)


@router.get(
    "/{campaign_id}/results", response_model=ResultsPublic, responses=problems(401, 403, 404, 409, 503)
)
async def get_campaign_results(campaign_id: CampaignId, principal: CampaignsWrite, uow: UoW) -> ResultsPublic:
    """Uptake, spend, profit and points of targeted against holdout members, cost, and the verdict."""
    return await uow.read(lambda s: campaign_results.campaign_results(s, principal, campaign_id, utcnow()))
