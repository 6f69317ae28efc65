"""Reading refunds: a purchase's refunds, for its read and for `GET …/refunds`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.models.loyalty.purchases import RefundPage, RefundPublic
from app.repositories.loyalty import purchases as purchases_repo
from app.services.integration.api_keys import Principal
from app.services.loyalty.access import seen_purchase
from app.services.pagination import decode_cursor, encode_cursor


def refund_public(refund: Any) -> RefundPublic:
    """The wire form of a stored refund (a row or the record just written)."""
    data = refund.model_dump()
    return RefundPublic.model_validate(
        {
            **data,
            "transaction_id": data["purchase_id"],
            "balance": data["balance_after"],
            "lifetime_points": data["lifetime_after"],
        }
    )


async def refunds_of(session: AsyncSession, purchase_ids: Sequence[str]) -> dict[str, list[RefundPublic]]:
    found: dict[str, list[RefundPublic]] = {pid: [] for pid in purchase_ids}
    for refund in await purchases_repo.refunds_of(session, purchase_ids):
        found[refund.purchase_id].append(refund_public(refund))
    return found


async def list_refunds(
    session: AsyncSession, principal: Principal, transaction_id: str, limit: int, cursor: str | None
) -> RefundPage:
    """A purchase's refunds, oldest first; amounts are money paid back."""
    purchase = await seen_purchase(session, principal, transaction_id)
    found = await purchases_repo.refund_page(session, purchase.id, limit + 1, decode_cursor(cursor, "ref"))
    items = [refund_public(r) for r in found[:limit]]
    more = len(found) > limit
    return RefundPage(items=items, next_cursor=encode_cursor(items[-1].id) if more else None)
