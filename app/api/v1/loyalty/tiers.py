"""The ordered tier table and its change history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from app.api.conditional import NOT_MODIFIED, IfMatch, IfNoneMatch, respond, set_etag, tagged
from app.api.deps import Admin, Cursor, Limit, MembersRead, UoW
from app.errors import problems
from app.models.base import utcnow
from app.models.loyalty.catalogue import TierTable, TierTableIn
from app.models.loyalty.catalogue_history import CatalogueHistory, CatalogueSubject
from app.services.loyalty import catalogue as service

router = APIRouter(prefix="/tiers", tags=["tiers"])


@router.get("", response_model=TierTable, responses={**tagged(), **NOT_MODIFIED, **problems(401, 403, 503)})
async def get_tiers(
    _principal: MembersRead, uow: UoW, response: Response, if_none_match: IfNoneMatch = None
) -> Any:
    """The ordered tier table, with its ETag (304 when `If-None-Match` is current)."""
    return respond(response, await uow.read(service.get_tier_table), if_none_match)


@router.put(
    "",
    response_model=TierTable,
    responses={**tagged(), **problems(401, 403, 412, 413, 415, 422, 428, 503)},
)
async def replace_tiers(
    body: TierTableIn, principal: Admin, uow: UoW, response: Response, if_match: IfMatch = None
) -> Any:
    """Replace the whole table (codes unique, thresholds rising from 0); every member is re-graded.

    `If-Match` with the table's ETag is required (428 without it, 412 when it changed). A member
    whose tier moves gets a zero-point `regrade` ledger entry; the change is logged.
    """
    table = await uow.run(lambda s: service.replace_tier_table(s, body, if_match, utcnow(), principal))
    return set_etag(response, table)


@router.get("/history", response_model=CatalogueHistory, responses=problems(401, 403, 422, 503))
async def list_tier_table_changes(
    _principal: Admin, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> CatalogueHistory:
    """Every replacement of the table, newest first: who, when, before, after, members re-graded."""
    return await uow.read(lambda s: service.list_catalogue_history(s, CatalogueSubject.tiers, limit, cursor))
